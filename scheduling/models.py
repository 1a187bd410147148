"""Contact policies (versioned data), borrower contact preferences and the per-debt lock row.

A policy is a named set of per-channel rules. Changing a policy makes a new version; old versions
stay, because every contact attempt keeps the version that allowed it. Which policy governs a
contact is decided by ``PolicyAssignment`` (borrower country and / or loan product, the most
specific match winning), then by the newest active version in force at that instant.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Borrower, LoanAccount
from config.pii import EncryptedTextField
from scheduling.windows import Windows, validate_windows, windows_parse


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class ContactPolicy(models.Model):
    name = models.CharField(_("name"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    effective_from = models.DateTimeField(_("in force from"))
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(
        _("sources"), blank=True, help_text=_("The rules and guidance these numbers come from.")
    )
    holiday_country = models.CharField(
        _("holiday calendar country"), max_length=2, blank=True, help_text=_("Empty: the borrower's country.")
    )
    holiday_subdivision = models.CharField(
        _("holiday calendar subdivision"),
        max_length=16,
        blank=True,
        help_text=_("Empty: the borrower's region, when the calendar knows it."),
    )
    # What a message written under this policy must carry and must not say (DESIGN.md 15).
    signature_required = models.BooleanField(
        _("messages carry the sender's signature in 【】"), default=False
    )
    banned_words = models.TextField(
        _("words no message may use"), blank=True, help_text=_("One per line: threats, relatives, workplace...")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("contact policy")
        verbose_name_plural = _("contact policies")
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="policy_unique_version")]
        indexes = [models.Index(fields=["name", "is_active", "effective_from"], name="policy_in_force_idx")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def banned_word_list(self) -> list[str]:
        return [word.strip() for word in self.banned_words.splitlines() if word.strip()]


class ChannelRule(models.Model):
    """What a policy allows on one channel: windows, holidays, caps and the cool-down."""

    class HolidayAction(models.TextChoices):
        NONE = "none", _("None (holidays are ordinary days)")
        BLOCK = "block", _("Block contact")
        REDUCE = "reduce", _("Reduce caps")

    policy = models.ForeignKey(ContactPolicy, on_delete=models.CASCADE, related_name="rules")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    windows = models.JSONField(
        _("windows (borrower's local time)"),
        validators=[validate_windows],
        help_text=_(
            'Per weekday, half-open: {"mon": [["08:00", "21:00"]], ...}. A missing day allows no contact.'
        ),
    )
    all_zones_in_window = models.BooleanField(
        _("every time zone must be inside the window"),
        default=True,
        help_text=_(
            "The address zone and every zone the phone number implies; otherwise the address zone only."
        ),
    )
    holiday_action = models.CharField(
        _("on holidays"), max_length=8, choices=HolidayAction.choices, default=HolidayAction.NONE
    )
    holiday_daily_cap = models.PositiveSmallIntegerField(
        _("attempts per debt on a holiday (reduced caps)"), default=1
    )
    weekly_debt_cap = models.PositiveSmallIntegerField(
        _("attempts per debt in 7 consecutive days"), null=True, blank=True, help_text=_("Empty: no cap.")
    )
    daily_debt_cap = models.PositiveSmallIntegerField(
        _("attempts per debt per day"), null=True, blank=True, help_text=_("Empty: no cap.")
    )
    daily_borrower_connected_cap = models.PositiveSmallIntegerField(
        _("connected calls per borrower per day"), null=True, blank=True, help_text=_("Empty: no cap.")
    )
    daily_number_unanswered_cap = models.PositiveSmallIntegerField(
        _("unanswered attempts per number per day"), null=True, blank=True, help_text=_("Empty: no cap.")
    )
    cool_down_days = models.PositiveSmallIntegerField(
        _("cool-down after a conversation (days)"),
        default=0,
        help_text=_("The conversation day is day 1: with 7, contact resumes on day 8. 0: none."),
    )
    prior_consent_excluded = models.BooleanField(
        _("calls with direct prior consent are outside the caps"), default=False
    )
    prior_consent_days = models.PositiveSmallIntegerField(_("direct prior consent lasts (days)"), default=7)
    promise_hold = models.BooleanField(
        _("hold collection while a promise to pay is open"),
        default=True,
        help_text=_(
            "Calls: until the promise's date (the next open part's, for a plan), no collection call, "
            "except the follow-up the borrower agreed to with the promise."
        ),
    )
    consent_required = models.BooleanField(
        _("messages need the borrower's consent to the medium"),
        default=False,
        help_text=_("SMS: the number's text consent; e-mail: the address's consent."),
    )

    class Meta:
        ordering = ["policy", "channel"]
        verbose_name = _("channel rule")
        verbose_name_plural = _("channel rules")
        constraints = [
            models.UniqueConstraint(fields=["policy", "channel"], name="rule_unique_channel"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="rule_channel_valid"),
            models.CheckConstraint(
                condition=Q(holiday_action__in=["none", "block", "reduce"]), name="rule_holiday_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.channel}"

    @property
    def parsed_windows(self) -> Windows:
        return windows_parse(self.windows)


class PolicyAssignment(models.Model):
    """Which policy (by name) governs a borrower country and / or loan product.

    The most specific match wins: country and product, then country, then product, then the
    row with both empty (the default).
    """

    country = models.CharField(_("borrower country"), max_length=2, blank=True, help_text=_("Empty: any."))
    product = models.CharField(_("loan product"), max_length=32, blank=True, help_text=_("Empty: any."))
    policy_name = models.CharField(_("policy"), max_length=64)

    class Meta:
        ordering = ["country", "product"]
        verbose_name = _("policy assignment")
        verbose_name_plural = _("policy assignments")
        constraints = [models.UniqueConstraint(fields=["country", "product"], name="assignment_unique_scope")]

    def __str__(self) -> str:
        return f"{self.country or '*'}/{self.product or '*'} -> {self.policy_name}"

    def clean(self) -> None:
        if self.policy_name and not ContactPolicy.objects.filter(name=self.policy_name).exists():
            raise ValidationError({"policy_name": _("No contact policy has this name.")})


class ContactPreference(models.Model):
    """What a borrower asked for about being contacted; the engine honours every field."""

    borrower = models.OneToOneField(Borrower, on_delete=models.CASCADE, related_name="contact_preference")
    cease_communication = models.BooleanField(_("cease communication (every channel)"), default=False)
    cease_requested_at = models.DateTimeField(_("cease requested at"), null=True, blank=True)
    no_work_calls = models.BooleanField(_("do not call at work"), default=False)
    only_after = models.TimeField(_("only after (local time)"), null=True, blank=True)
    only_before = models.TimeField(_("only before (local time)"), null=True, blank=True)
    preferred_from = models.TimeField(_("preferred from (local time)"), null=True, blank=True)
    preferred_to = models.TimeField(_("preferred to (local time)"), null=True, blank=True)
    # The disputes' summary for the screens: the engine holds the debts in ``dispute_hold_accounts``.
    dispute_hold = models.BooleanField(_("dispute open (collection paused until verified)"), default=False)
    dispute_opened_at = models.DateTimeField(_("dispute opened at"), null=True, blank=True)
    breathing_space_until = models.DateField(_("breathing space until (inclusive)"), null=True, blank=True)
    # Kept by the complaint services in the transaction that opens or resolves a complaint, so the
    # engine reads the hold with the preferences it already loads (no query more per decision).
    complaint_hold_accounts = models.JSONField(
        _("debts held by an open complaint"),
        default=list,
        blank=True,
        help_text=_("Ids of the borrower's loan accounts with an open complaint of a holding category."),
    )
    # Kept by the dispute services as the complaints' list: a dispute holds collection on the
    # disputed debt, not on the borrower's others (DESIGN.md 17; Reg F 1006.34 / 1006.38).
    dispute_hold_accounts = models.JSONField(
        _("debts held by an open dispute"),
        default=list,
        blank=True,
        help_text=_("Ids of the borrower's loan accounts with an open dispute."),
    )
    direct_consent_at = models.DateTimeField(
        _("direct prior consent to calls given at"),
        null=True,
        blank=True,
        help_text=_("The borrower agreed during a call to be called again (12 CFR 1006.14(b)(3)(i))."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(only_after__isnull=True)
                | Q(only_before__isnull=True)
                | Q(only_after__lt=models.F("only_before")),
                name="preference_hours_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Contact preference of {self.borrower_id}"


class DebtContactCounter(models.Model):
    """One row per loan account, locked (``SELECT ... FOR UPDATE``) while an attempt is reserved.

    Created on demand. The counts themselves are computed from the attempts; this row serialises
    the check-and-reserve of concurrent callers for the same debt.
    """

    account = models.OneToOneField(
        LoanAccount, on_delete=models.CASCADE, primary_key=True, related_name="contact_counter"
    )
    reservations = models.PositiveIntegerField(default=0)
    last_reserved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("debt contact counter")
        verbose_name_plural = _("debt contact counters")

    def __str__(self) -> str:
        return f"Counter of {self.account_id}"


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran ``worker_heartbeat_task``: one row per worker host.

    Only written when the default cache is not Redis (then the beat goes to a cache key that every
    web process reads); ``/health/`` reports the latest one (``scheduling.heartbeat``).
    """

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


# Callbacks: a call an agent owes a case at a set time. Scheduled by agents ("call back Tuesday
# 18:00 her time"), by dispositions, by a promise agreed with a follow-up call and by broken
# promises; the compliance engine checks the time when a callback is made and again when it comes
# due (``scheduling.services.callbacks``).

class Callback(models.Model):
    class Reason(models.TextChoices):
        AGENT = "agent", _("Agent's appointment")
        DISPOSITION = "disposition", _("Call outcome")
        PROMISE = "promise", _("Follow-up agreed with a promise")
        BROKEN_PROMISE = "broken_promise", _("Promise not kept")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        MISSED = "missed", _("Missed")
        BLOCKED = "blocked", _("No longer allowed")

    case = models.ForeignKey("collections_app.Case", on_delete=models.CASCADE, related_name="callbacks")
    agent = models.ForeignKey(
        "collections_app.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    phone = models.ForeignKey(
        "accounts.Phone", null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    due_at = models.DateTimeField(_("due at"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = EncryptedTextField(_("note"), max_length=255, blank=True)  # agreed on the call: a call note (DESIGN.md 18)
    promise = models.ForeignKey(
        "collections_app.PromiseToPay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )
    # The engine's reasons when the callback was checked again on coming due (empty: allowed).
    checked_at = models.DateTimeField(_("checked when due at"), null=True, blank=True)
    check_reasons = models.JSONField(_("reasons found when due"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "done", "cancelled", "missed", "blocked"]),
                name="callback_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["agent", "disposition", "promise", "broken_promise"]),
                name="callback_reason_valid",
            ),
            # One follow-up per broken promise, whatever runs the settle job twice.
            models.UniqueConstraint(
                fields=["promise"],
                condition=Q(reason="broken_promise"),
                name="callback_one_per_broken_promise",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="callback_pending_due_idx", condition=Q(status="pending")),
            models.Index(fields=["case", "status"], name="callback_case_idx"),
            models.Index(fields=["agent", "status", "due_at"], name="callback_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"Callback {self.pk} on case {self.case_id} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"
