"""Promises to pay: the policy that limits them, the promise and its dated parts.

A promise is one amount on one date, or a short plan of dated amounts: every promise has at least
one part (a single promise is a plan of one part). Payments posted on the loan from the day the
promise was made to the last part's deadline (its date plus the grace days) count toward it; the
settle job decides each part at its deadline and the promise with it (see
``collections_app.services.promise_matching``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO, LoanAccount, money
from config.pii import EncryptedTextField

from .cases import Agent, Case
from .contacts import ContactAttempt

# The shipped promise policies (data: the admin edits the rows made from them), by bucket ("": the fallback).
PROMISE_POLICY_SHIPPED: dict[str, dict[str, Any]] = {
    "": {"max_days_ahead": 7},
    "M1": {"max_days_ahead": 14},
    "M2": {"max_days_ahead": 10},
}
PROMISE_POLICY_COMMON: dict[str, Any] = {
    "plan_max_days_ahead": 30,
    "max_parts": 6,
    "min_share": Decimal("0.1000"),
    "grace_days": 2,
    "kept_threshold": Decimal("1.0000"),
}


class PromisePolicy(models.Model):
    """The limits a promise must respect, per bucket. The row with an empty bucket is the default.

    Shipped presets (DESIGN.md section 7): the (first) date at most 14 days ahead in M1, 10 in M2
    (a choice between M1's 14 and M3's 7), 7 from M3 on (the default row); at least 10% of the
    overdue amount; grace 2 days; kept at 100% of the amount.
    """

    bucket = models.CharField(
        _("bucket"),
        max_length=8,
        unique=True,
        blank=True,
        help_text=_("Empty: every bucket without its own row."),
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("latest date (days ahead) of the amount or the plan's first part"), default=14
    )
    plan_max_days_ahead = models.PositiveSmallIntegerField(
        _("latest date (days ahead) of a plan's last part"), default=30
    )
    max_parts = models.PositiveSmallIntegerField(_("parts of a plan at most"), default=6)
    min_share = models.DecimalField(
        _("minimum share of the overdue amount"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        help_text=_("0.1000 is 10%: the amount promised (a plan's total) must reach it."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"),
        default=2,
        help_text=_("Payments up to this many days after a date still count for it."),
    )
    kept_threshold = models.DecimalField(
        _("kept at (share of the amount)"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1.0000"),
        help_text=_("1.0000 is 100%: received at least this share of the amount is kept."),
    )

    class Meta:
        ordering = ["bucket"]
        verbose_name = _("promise policy")
        verbose_name_plural = _("promise policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_share__gte=0, min_share__lte=1), name="promise_policy_min_share_range"
            ),
            models.CheckConstraint(
                condition=Q(kept_threshold__gt=0, kept_threshold__lte=1),
                name="promise_policy_threshold_range",
            ),
            models.CheckConstraint(condition=Q(max_parts__gte=1), name="promise_policy_parts_positive"),
            models.CheckConstraint(
                condition=Q(plan_max_days_ahead__gte=F("max_days_ahead")), name="promise_policy_plan_horizon"
            ),
        ]

    def __str__(self) -> str:
        return self.bucket or str(_("default"))


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    PARTIALLY_KEPT = "partially_kept", _("Partially kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


STATUS_VALUES = [value for value, _label in PromiseStatus.choices]


class PromiseToPay(models.Model):
    """A borrower's promise on a case: the total, the dates, what arrived toward it and the outcome.

    ``agent`` is the agent credited with the promise (who took it, else the case's agent then);
    ``grace_days`` and ``kept_threshold`` are the policy's at creation: a promise keeps the rules
    it was made under. ``deadline`` is the last part's date plus the grace days: the last day a
    payment counts. ``received_amount`` never exceeds ``amount`` (the rest of a payment goes to
    the loan's next open promise, if any).
    """

    Status = PromiseStatus

    class Source(models.TextChoices):
        AGENT = "agent", _("Agent")
        DIALER = "dialer", _("Dialer")
        API = "api", _("API")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="promises")
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="promises")
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.AGENT)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises", db_constraint=False
    )
    made_on = models.DateField(
        _("made on"), help_text=_("The borrower's date: payments from this day count.")
    )
    amount = money(verbose_name=_("amount promised"))
    first_date = models.DateField(_("first date"))
    final_date = models.DateField(_("last date"))
    deadline = models.DateField(_("counts payments until"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    kept_threshold = models.DecimalField(_("kept at"), max_digits=5, decimal_places=4)
    received_amount = money(verbose_name=_("received toward it"))
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    follow_up_at = models.DateTimeField(_("follow-up call agreed for"), null=True, blank=True)
    note = EncryptedTextField(_("note"), max_length=255, blank=True)  # typed on the call: a call note (DESIGN.md 18)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-made_on", "-pk"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="promise_one_open_per_case"
            ),
            models.CheckConstraint(condition=Q(status__in=STATUS_VALUES), name="promise_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(received_amount__gte=0, received_amount__lte=F("amount")),
                name="promise_received_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(final_date__gte=F("first_date")), name="promise_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("final_date")), name="promise_deadline_after_date"
            ),
        ]
        indexes = [
            # Matching payments: the open promises of the loans a batch touched.
            models.Index(fields=["account"], name="promise_open_account_idx", condition=Q(status="open")),
            # The agent's day and the team lead's counts.
            models.Index(fields=["agent", "status", "settled_on"], name="promise_agent_idx"),
            models.Index(fields=["case", "-id"], name="promise_case_idx"),
            # Today, live: promises taken today per agent; broken promises of the last days to chase.
            models.Index(fields=["agent", "created_at"], name="promise_agent_created_idx"),
            models.Index(fields=["settled_on"], name="promise_broken_idx", condition=Q(status="broken")),
        ]

    def __str__(self) -> str:
        return f"Promise {self.pk} on case {self.case_id}: {self.amount} ({self.get_status_display()})"

    @property
    def is_plan(self) -> bool:
        return self.first_date != self.final_date

    @property
    def outstanding(self) -> Decimal:
        return max(ZERO, self.amount - self.received_amount)


class PromisePart(models.Model):
    """One dated amount of a promise; ``deadline`` is its date plus the promise's grace days."""

    Status = PromiseStatus

    promise = models.ForeignKey(PromiseToPay, on_delete=models.CASCADE, related_name="parts")
    seq = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("date"))
    amount = money(verbose_name=_("amount"))
    deadline = models.DateField(_("counts payments until"))
    received_amount = money(verbose_name=_("received toward it"))
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        ordering = ["promise", "seq"]
        verbose_name = _("promise part")
        verbose_name_plural = _("promise parts")
        constraints = [
            models.UniqueConstraint(fields=["promise", "seq"], name="promise_part_unique_seq"),
            models.UniqueConstraint(fields=["promise", "due_date"], name="promise_part_unique_date"),
            models.CheckConstraint(condition=Q(status__in=STATUS_VALUES), name="promise_part_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_part_amount_positive"),
            models.CheckConstraint(
                condition=Q(received_amount__gte=0, received_amount__lte=F("amount")),
                name="promise_part_received_within",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("due_date")), name="promise_part_deadline_after"
            ),
        ]
        indexes = [
            # The settle job: open parts whose deadline has passed; the queue tier: parts due today.
            models.Index(
                fields=["deadline"], name="promise_part_open_deadline_idx", condition=Q(status="open")
            ),
            models.Index(fields=["due_date"], name="promise_part_open_due_idx", condition=Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.promise_id}#{self.seq}: {self.amount} on {self.due_date}"
