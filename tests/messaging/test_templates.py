"""Message templates: the save-time checks of DESIGN.md 15, versions, segments and the admin's preview."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from collections_app.models import MessageTemplate
from collections_app.models.message_text import is_stop_reply, render, sms_segments, template_problems
from collections_app.services.message_templates import message_template_save, templates_current
from config.errors import DomainError

pytestmark = pytest.mark.django_db

BODY = "Hi {first_name}, {amount_due} is due on {due_date}. {opt_out_text}"


def test_a_template_without_opt_out_text_cannot_be_saved() -> None:
    with pytest.raises(DomainError) as refused:
        message_template_save(
            code="nag", language="en", channel="sms", purpose="overdue", body="Hi {first_name}, pay {amount_due}."
        )
    assert "opt out" in " ".join(refused.value.errors["body"])
    assert not MessageTemplate.objects.filter(code="nag").exists()


def test_a_written_stop_instruction_counts_as_opt_out_text() -> None:
    saved = message_template_save(
        code="nag", language="en", channel="sms", purpose="overdue", body="Pay {amount_due}. Reply STOP to end."
    )
    assert saved.version == 1


def test_under_a_china_policy_the_signature_is_required_and_banned_words_refused() -> None:
    unsigned = "{first_name}您好，请还款{amount_due}。{opt_out_text}"
    with pytest.raises(DomainError) as refused:
        message_template_save(
            code="cn", language="zh-hans", channel="sms", purpose="overdue", body=unsigned, policy_name="China strict"
        )
    assert "【】" in " ".join(refused.value.errors["body"])
    with pytest.raises(DomainError) as banned:
        message_template_save(
            code="cn", language="zh-hans", channel="sms", purpose="overdue", policy_name="China strict",
            body="【还款提醒】不还款将通知您的家人。{opt_out_text}",
        )  # fmt: skip
    assert "家人" in " ".join(banned.value.errors["body"])
    saved = message_template_save(
        code="cn", language="zh-hans", channel="sms", purpose="overdue", body="【还款提醒】" + unsigned,
        policy_name="China strict",
    )  # fmt: skip
    assert saved.pk is not None


def test_an_unknown_placeholder_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        message_template_save(code="x", language="en", channel="sms", purpose="overdue", body="{ssn} {opt_out_text}")
    assert "ssn" in " ".join(refused.value.errors["body"])


def test_each_change_is_a_new_version_and_the_old_one_stays() -> None:
    first = message_template_save(code="r", language="en", channel="sms", purpose="pre_due", body=BODY)
    second = message_template_save(code="r", language="en", channel="sms", purpose="pre_due", body=BODY + " Thanks.")
    assert (first.version, second.version) == (1, 2)
    assert MessageTemplate.objects.filter(code="r").count() == 2
    assert templates_current().get(code="r", language="en").pk == second.pk


def test_every_shipped_template_passes_its_checks() -> None:
    shipped = MessageTemplate.objects.all()
    assert {t.language for t in shipped} == {"en", "zh-hans"}
    for template in shipped:
        template.full_clean()


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # an extension character takes two septets
        ("€" * 81, "GSM-7", 2),
        ("还" * 70, "UCS-2", 1),
        ("还" * 71, "UCS-2", 2),
        ("a" * 159 + "还", "UCS-2", 3),  # one Chinese character makes the whole text UCS-2
    ],
)
def test_sms_segments_follow_gsm7_and_ucs2(text: str, encoding: str, count: int) -> None:
    segments = sms_segments(text)
    assert (segments.encoding, segments.count) == (encoding, count)


def test_placeholder_values_are_escaped() -> None:
    text = render("Hi {first_name} {opt_out_text}", {"first_name": "<b>{opt_out_text}</b>"}, html=True)
    assert text == "Hi &lt;b&gt;(opt_out_text)&lt;/b&gt; {opt_out_text}"


@pytest.mark.parametrize("reply", ["STOP", " stop ", "Stop.", "退订", "TD", "unsubscribe", "OPT OUT", "n"])
def test_stop_words_are_recognised(reply: str) -> None:
    assert is_stop_reply(reply)


@pytest.mark.parametrize("reply", ["I will pay tomorrow", "don't stop", "退订了吗？我想还款"])
def test_other_replies_are_not_opt_outs(reply: str) -> None:
    assert not is_stop_reply(reply)


def test_the_admin_refuses_a_template_without_opt_out_and_previews_both_languages(client) -> None:  # type: ignore[no-untyped-def]
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/collections_app/messagetemplate/add/",
        {"code": "nag", "language": "en", "channel": "sms", "purpose": "overdue", "body": "Pay now.", "is_active": "on"},
    )
    assert response.status_code == 200 and "opt out" in response.content.decode()
    assert not MessageTemplate.objects.filter(code="nag").exists()
    shipped = MessageTemplate.objects.get(code="pre_due_sms", language="en")
    page = client.get(f"/admin/collections_app/messagetemplate/{shipped.pk}/change/").content.decode()
    assert "Reply STOP to opt out." in page and "回复TD退订" in page and "李娜" in page


def test_problems_are_reported_by_field() -> None:
    assert template_problems(body="{opt_out_text}", needs_opt_out=True) == {}
