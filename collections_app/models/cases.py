"""Teams, agents, cases (one per delinquency episode of an account) and their assignment history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO, Bucket, LoanAccount
from config.pii import EncryptedTextField


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
            # The dialer's call list walks open cases by priority, then days past due, then id.
            models.Index(
                F("priority").desc(), F("dpd").desc(), "id", condition=Q(status="open"), name="case_open_call_order_idx"
            ),
            models.Index(
                "team", F("priority").desc(), F("dpd").desc(), "id", condition=Q(status="open"),
                name="case_open_team_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.account_id})"


class AssignmentRecord(models.Model):
    """Every move of a case between teams and agents: who, from, to, why, when.

    Partitioned by the month of ``at`` on PostgreSQL (config/partitions.py): its key there is ``(id, at)``."""

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
    note = EncryptedTextField(max_length=255, blank=True)  # typed by staff, also the audit's encrypted reason
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("assignment record")
        verbose_name_plural = _("assignment records")

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.from_agent_id}->{self.to_agent_id} ({self.get_reason_display()})"
