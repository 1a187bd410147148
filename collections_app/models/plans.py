"""The daily plan of the treatment strategies (DESIGN.md 16): what each account gets on a date, and why.

``PlanAction`` is one action of one account's plan on one date, recorded with the strategy (its
version), segment, arm and plan step that caused it: a message to send within the borrower's window,
a place on the dialer list with a priority, a case to queue for an agent, or a hold. One row per
(date, account, step): the plan run again for a date, or its intraday refresh, records nothing twice.
``PlanRun`` is one run of the plan: when, for which date, and what it did. ``PlanRequest`` is a
supervisor's "Run the plan" from the strategies screen, queued for a worker: queued, running, finished
(with what the run did) or failed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import LoanAccount

from .cases import Case
from .messages import Message
from .strategies import Action, Arm, Segment, Strategy


class PlanRun(models.Model):
    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("After the close of business")
        INTRADAY = "intraday", _("Intraday refresh")

    date = models.DateField(_("plan date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NIGHTLY)
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="plan_runs")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned = models.PositiveIntegerField(_("arms assigned"), default=0)
    created = models.PositiveIntegerField(_("actions recorded"), default=0)
    stopped = models.PositiveIntegerField(_("actions stopped"), default=0)
    prioritized = models.PositiveIntegerField(_("cases prioritized"), default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("plan run")
        verbose_name_plural = _("plan runs")

    def __str__(self) -> str:
        return f"{self.strategy} {self.date} ({self.kind})"


class PlanRequest(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    date = models.DateField(_("plan date"))
    kind = models.CharField(_("kind"), max_length=8, choices=PlanRun.Kind.choices, default=PlanRun.Kind.INTRADAY)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    assigned = models.PositiveIntegerField(_("arms assigned"), default=0)
    created = models.PositiveIntegerField(_("actions recorded"), default=0)
    stopped = models.PositiveIntegerField(_("actions stopped"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("plan request")
        verbose_name_plural = _("plan requests")

    def __str__(self) -> str:
        return f"{self.date} ({self.status})"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class PlanAction(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        QUEUED = "queued", _("Message queued")
        REFUSED = "refused", _("Refused by the compliance engine")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")
        SKIPPED = "skipped", _("No address to send to")
        LAPSED = "lapsed", _("The day ended before it could be sent")

    date = models.DateField(_("plan date"))
    account = models.ForeignKey(LoanAccount, on_delete=models.CASCADE, related_name="plan_actions")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_actions")
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="plan_actions")
    strategy_version = models.PositiveIntegerField(_("strategy version"))
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="plan_actions")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="plan_actions")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="plan_actions")
    kind = models.CharField(_("action"), max_length=8, choices=Action.Kind.choices)
    day_offset = models.SmallIntegerField(_("day"))
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    template_code = models.CharField(_("template"), max_length=64, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PLANNED)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    # Not checked by the database: messages are partitioned by month on PostgreSQL, where a foreign
    # key could point only at (id, created_at); held as README's Partitions says.
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_action", db_constraint=False
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["date", "account", "day_offset", "pk"]
        verbose_name = _("planned action")
        verbose_name_plural = _("planned actions")
        constraints = [
            models.UniqueConstraint(fields=["date", "account", "action"], name="plan_action_once_a_day"),
        ]
        indexes = [
            models.Index(
                fields=["not_before", "id"], condition=Q(status="planned", kind="send"), name="plan_action_sends_due_idx"
            ),
            models.Index(fields=["date", "arm", "kind"], name="plan_action_day_arm_idx"),
            models.Index(fields=["arm", "account"], name="plan_action_arm_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.account_id} {self.kind} D{self.day_offset:+d}"
