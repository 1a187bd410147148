"""Shipped message templates: reminders before and after the due date, promises, voicemail; en and zh-Hans."""

from __future__ import annotations

from django.db import migrations

SIGN = "【还款提醒】"
PRESETS = [
    # code, channel, language, purpose, subject, body
    ("pre_due_sms", "sms", "en", "pre_due", "",
     "Hi {first_name}, your payment of {amount_due} is due on {due_date}. Ref {payment_reference}. {opt_out_text}"),
    ("pre_due_sms", "sms", "zh-hans", "pre_due", "",
     SIGN + "{first_name}您好，您的{amount_due}将于{due_date}到期，还款参考号{payment_reference}。{opt_out_text}"),
    ("overdue_sms", "sms", "en", "overdue", "",
     "Hi {first_name}, {amount_due} is past due since {due_date}. Please pay with ref {payment_reference} "
     "or call us. {opt_out_text}"),
    ("overdue_sms", "sms", "zh-hans", "overdue", "",
     SIGN + "{first_name}您好，您的{amount_due}已于{due_date}逾期，请尽快还款（参考号{payment_reference}）。{opt_out_text}"),
    ("promise_reminder_sms", "sms", "en", "promise_reminder", "",
     "Hi {first_name}, a reminder of your promised payment of {amount_due} on {due_date}. {opt_out_text}"),
    ("promise_reminder_sms", "sms", "zh-hans", "promise_reminder", "",
     SIGN + "{first_name}您好，提醒您承诺于{due_date}还款{amount_due}。{opt_out_text}"),
    ("promise_broken_sms", "sms", "en", "promise_broken", "",
     "Hi {first_name}, we did not receive the {amount_due} promised for {due_date}. Ref {payment_reference}. "
     "{opt_out_text}"),
    ("promise_broken_sms", "sms", "zh-hans", "promise_broken", "",
     SIGN + "{first_name}您好，我们未收到您承诺于{due_date}偿还的{amount_due}。{opt_out_text}"),
    ("pre_due_email", "email", "en", "pre_due", "Your payment is due on {due_date}",
     "Dear {first_name},\n\nYour payment of {amount_due} is due on {due_date}. Payment reference: "
     "{payment_reference}.\n\n{agent_first_name}\n\n{opt_out_text}"),
    ("pre_due_email", "email", "zh-hans", "pre_due", "还款提醒：{due_date}到期",
     SIGN + "\n{first_name}您好：\n\n您的{amount_due}将于{due_date}到期，还款参考号{payment_reference}。\n\n{opt_out_text}"),
    ("voicemail", "voicemail", "en", "voicemail", "",
     "This is {agent_first_name} calling for {first_name}. Please call us back. Thank you."),
    ("voicemail", "voicemail", "zh-hans", "voicemail", "",
     "您好，这里是{agent_first_name}，请{first_name}回电，谢谢。"),
]  # fmt: skip


def forwards(apps, schema_editor):
    template_model = apps.get_model("collections_app", "MessageTemplate")
    existing = set(template_model.objects.values_list("code", "language"))
    template_model.objects.bulk_create(
        template_model(
            code=code, channel=channel, language=language, purpose=purpose, subject=subject, body=body,
            policy_name="China strict" if language == "zh-hans" and channel != "voicemail" else "",
        )
        for code, channel, language, purpose, subject, body in PRESETS
        if (code, language) not in existing
    )


def backwards(apps, schema_editor):
    apps.get_model("collections_app", "MessageTemplate").objects.filter(
        code__in={p[0] for p in PRESETS}, version=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0019_messages_templates_opt_outs"),
        ("scheduling", "0009_china_message_rules"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
