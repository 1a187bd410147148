"""Collection work: teams, agents and cases (one per delinquency episode of an account)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO, Bucket, LoanAccount


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    buckets = models.ManyToManyField(Bucket, related_name="teams", verbose_name=_("buckets served"))
    languages = models.CharField(
        _("languages"), max_length=64, blank=True, help_text=_("Comma-separated codes; empty: any.")
    )
    products = models.CharField(_("products"), max_length=128, blank=True, help_text=_("Comma-separated; empty: any."))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    leave_spread_after_days = models.PositiveIntegerField(
        _("spread an absent agent's cases after (days of leave)"), default=3
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_LEAVE = "on_leave", _("On leave")
        INACTIVE = "inactive", _("Inactive")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agents")
    capacity = models.PositiveIntegerField(_("capacity (open cases)"), default=300)
    languages = models.CharField(_("languages"), max_length=64, blank=True, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    leave_from = models.DateField(_("leave from"), null=True, blank=True)
    leave_to = models.DateField(_("leave to"), null=True, blank=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_username()


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        CURED = "cured", _("Cured")
        PAID_OFF = "paid_off", _("Paid off")
        SETTLED = "settled", _("Settled")
        CHARGED_OFF = "charged_off", _("Charged off")

    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=12, choices=CloseReason.choices, blank=True)
    # Copied from the account by every COB so the queue sorts without joins.
    bucket = models.CharField(_("bucket"), max_length=8)
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    overdue_amount = models.DecimalField(_("overdue amount"), max_digits=14, decimal_places=2, default=ZERO)
    priority = models.IntegerField(_("priority"), default=0)
    next_action_at = models.DateTimeField(_("next action at"), null=True, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    assigned_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(_("locked (manual assignment)"), default=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(status="open"), name="case_one_open_per_account"),
        ]
        indexes = [
            models.Index(fields=["agent", "status", "-priority"], name="case_agent_queue_idx"),
            models.Index(fields=["team", "status"], name="case_team_idx"),
            models.Index(fields=["status", "bucket"], name="case_status_bucket_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.account_id})"


class AssignmentRecord(models.Model):
    """Every move of a case between teams and agents: who, from, to, why, when."""

    class Reason(models.TextChoices):
        NEW = "new", _("New case")
        ROLL = "roll", _("Rolled to a bucket the team does not serve")
        REBALANCE = "rebalance", _("Rebalance")
        MANUAL = "manual", _("Manual")
        LEAVE = "leave", _("Agent on leave")
        CAPACITY = "capacity", _("Over capacity")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    from_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("assignment record")
        verbose_name_plural = _("assignment records")

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.from_agent_id}->{self.to_agent_id} ({self.reason})"


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
        return self.code


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
    notes = models.TextField(_("notes"), blank=True)
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
            models.Index(
                fields=["expires_at"], name="attempt_reserved_expiry_idx", condition=Q(status="reserved")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.pk} ({self.status})"
