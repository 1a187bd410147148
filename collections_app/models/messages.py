"""Messages (SMS and e-mail) and their templates: contacts like calls, decided by the same engine.

A template is versioned data: editing one makes a new version and the old versions stay, because
every message keeps the version it was written from. A message keeps the engine's decision (a
refused one too), the text as sent, and its provider's status. An allowed message has the contact
attempt that counts it (``attempt``), reserved through ``collections_app.services.attempts``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import EmailAddress, LoanAccount, Phone
from config.pii import BlindIndexField, EncryptedTextField
from scheduling.models import ContactPolicy

from .cases import Case
from .contacts import ContactAttempt
from .message_text import sms_segments, template_problems


class MessageTemplate(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        VOICEMAIL = "voicemail", _("Voicemail (limited content)")

    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH_HANS = "zh-hans", _("Simplified Chinese")

    class Purpose(models.TextChoices):
        PRE_DUE = "pre_due", _("Pre-due reminder")
        OVERDUE = "overdue", _("Overdue (by bucket)")
        PROMISE_REMINDER = "promise_reminder", _("Promise reminder")
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        EXTENSION_CONFIRMATION = "extension_confirmation", _("Extension confirmation")
        VOICEMAIL = "voicemail", _("Limited-content voicemail")

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.EN)
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    bucket = models.CharField(
        _("bucket"), max_length=8, blank=True, help_text=_("For overdue messages: the bucket it is written for.")
    )
    policy_name = models.CharField(
        _("contact policy"),
        max_length=64,
        blank=True,
        help_text=_("The policy whose signature and banned words the text must respect (empty: none)."),
    )
    subject = models.CharField(_("subject (e-mail)"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "language", "-version"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "language", "version"], name="template_unique_version"),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email", "voicemail"]), name="template_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.language}] v{self.version}"

    @property
    def segments(self) -> int | None:
        return sms_segments(self.body).count if self.channel == self.Channel.SMS else None

    def clean(self) -> None:
        policy = (
            ContactPolicy.objects.filter(name=self.policy_name).order_by("-version").first()
            if self.policy_name
            else None
        )
        if self.policy_name and policy is None:
            raise ValidationError({"policy_name": _("No contact policy has this name.")})
        problems = template_problems(
            body=self.body,
            subject=self.subject,
            needs_opt_out=self.channel != self.Channel.VOICEMAIL,
            signature_required=bool(policy and policy.signature_required),
            signature=getattr(settings, "MESSAGING_SIGNATURE", ""),
            banned_words=policy.banned_word_list if policy else (),
        )
        if self.channel == self.Channel.EMAIL and not self.subject.strip():
            problems.setdefault("subject", []).append(str(_("An e-mail needs a subject.")))
        if problems:
            raise ValidationError(problems)


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused by the compliance engine")
        REPLIED = "replied", _("Replied")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="messages")
    # Not checked by the database (attempts are partitioned by month: README, Partitions).
    attempt = models.OneToOneField(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="message", db_constraint=False
    )
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("channel"), max_length=8, choices=ContactAttempt.Channel.choices)
    phone = models.ForeignKey(Phone, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    email = models.ForeignKey(
        EmailAddress, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    language = models.CharField(_("language"), max_length=8)
    # As sent, with the borrower's name in it: encrypted at rest (config/pii.py).
    subject = EncryptedTextField(_("subject"), max_length=200, blank=True)
    body = EncryptedTextField(_("text as sent"))
    segments = models.PositiveSmallIntegerField(_("SMS segments"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    decision = models.JSONField(_("compliance decision"), default=dict, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    source = models.CharField(_("source"), max_length=12, default="agent")
    idempotency_key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    provider_message_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "delivered", "failed", "refused", "replied"]),
                name="message_status_valid",
            ),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="message_channel_valid"),
            models.CheckConstraint(
                condition=(Q(channel="sms") & Q(phone__isnull=False)) | (Q(channel="email") & Q(email__isnull=False)),
                name="message_has_address",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="message_case_idx"),
            models.Index(fields=["status", "created_at"], name="message_status_idx"),
            models.Index(fields=["phone", "status"], name="message_phone_status_idx"),
            models.Index(fields=["created_at"], name="message_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} message {self.pk} ({self.status})"


class InboundMessage(models.Model):
    """A reply a provider passed on (kept once per provider id: a replayed callback adds nothing)."""

    integration = models.CharField(_("integration"), max_length=64)
    provider_message_id = models.CharField(max_length=64, unique=True)
    phone = models.ForeignKey(Phone, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    from_number = EncryptedTextField(_("from (E.164)"), max_length=16)
    from_number_index = BlindIndexField(source="from_number", kind="phone")
    body = EncryptedTextField(_("text"))
    opt_out = models.BooleanField(_("an opt-out"), default=False)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    def __str__(self) -> str:
        return f"inbound {self.pk}"
