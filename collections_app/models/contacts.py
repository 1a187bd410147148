"""Contact attempts (the call log) and disposition codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import LoanAccount
from config.pii import EncryptedTextField

from .cases import Case


class DispositionCode(models.Model):
    """The outcome of a contact, as data. Its flags drive the side effects of logging it."""

    class Category(models.TextChoices):
        NO_CONTACT = "no_contact", _("No contact")
        THIRD_PARTY = "third_party", _("Third-party contact")
        RIGHT_PARTY = "right_party", _("Right-party contact")

    code = models.CharField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=100)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    conversation = models.BooleanField(_("a conversation took place"), default=False)
    not_connected = models.BooleanField(
        _("not connected to the dialed number"),
        default=False,
        help_text=_("Busy signal or number not in service: not counted toward call caps (12 CFR 1006.14(b)(3)(ii))."),
    )
    creates_promise = models.BooleanField(_("opens the promise form"), default=False)
    number_uncallable = models.BooleanField(_("marks the number uncallable"), default=False)
    do_not_call = models.BooleanField(_("puts the number on do-not-call"), default=False)
    dispute = models.BooleanField(_("opens a dispute hold"), default=False)
    callback = models.BooleanField(_("schedules a callback"), default=False)
    cease = models.BooleanField(_("records a cease-communication request"), default=False)
    deceased = models.BooleanField(_("borrower reported deceased"), default=False)
    bankruptcy = models.BooleanField(_("borrower reported bankrupt"), default=False)
    attorney = models.BooleanField(_("borrower represented by an attorney"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("disposition code")
        verbose_name_plural = _("disposition codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["no_contact", "third_party", "right_party"]), name="disposition_category_valid"
            ),
            models.CheckConstraint(
                condition=~Q(category="no_contact", conversation=True), name="disposition_no_contact_no_conversation"
            ),
        ]

    def __str__(self) -> str:
        return gettext(self.label) if self.label else self.code  # the shipped labels are translated


class ContactAttempt(models.Model):
    """One contact (the call log): reserved by the compliance engine, then completed or released.

    ``decision`` is the engine's decision that allowed it; ``policy`` and ``policy_version`` the
    policy version it was decided under. A reservation counts as an attempt until it is released
    as ``not_dialed``.
    """

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        VISIT = "visit", _("Visit")

    class Source(models.TextChoices):
        AGENT = "agent", _("Agent")
        DIALER = "dialer", _("Dialer")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COMPLETED = "completed", _("Completed")
        NOT_DIALED = "not_dialed", _("Not dialed")
        EXPIRED = "expired", _("Expired unreported")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="contact_attempts")
    phone = models.ForeignKey(
        "accounts.Phone", null=True, blank=True, on_delete=models.PROTECT, related_name="contact_attempts"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.CALL)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.AGENT)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_attempts"
    )
    placed_at = models.DateTimeField(_("placed at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk time (s)"), default=0)
    disposition = models.ForeignKey(
        DispositionCode, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    right_party_contact = models.BooleanField(_("right-party contact"), default=False)
    conversation = models.BooleanField(_("conversation"), default=False)
    notes = EncryptedTextField(_("notes"), blank=True)
    recording_ref = models.CharField(_("recording reference"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED)
    decision = models.JSONField(_("compliance decision"), default=dict, blank=True)
    policy = models.ForeignKey(
        "scheduling.ContactPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    direct_prior_consent = models.BooleanField(_("placed with direct prior consent"), default=False)
    external_id = models.CharField(_("dialer call id"), max_length=128, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField(_("reservation expires at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["reserved", "completed", "not_dialed", "expired"]), name="attempt_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["call", "sms", "email", "visit"]), name="attempt_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("placed_at")),
                name="attempt_answered_after_placed",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("placed_at")),
                name="attempt_ended_after_placed",
            ),
        ]
        indexes = [
            # The compliance engine's counts: per debt and per number over the last days.
            models.Index(fields=["account", "placed_at"], name="attempt_account_placed_idx"),
            models.Index(fields=["phone", "placed_at"], name="attempt_phone_placed_idx"),
            models.Index(fields=["case", "-placed_at"], name="attempt_case_history_idx"),
            # Today, live: each agent's calls so far today and the time of their last one.
            models.Index(fields=["agent", "placed_at"], name="attempt_agent_placed_idx"),
            models.Index(
                fields=["expires_at"], name="attempt_reserved_expiry_idx", condition=Q(status="reserved")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.pk} ({self.get_status_display()})"
