"""Extension negotiation (DESIGN.md section 8): the SOP as versioned data, the request, its waivers.

An SOP row is one *version*: it is never edited in place once saved; the admin saves a change as
a new version (``ExtensionSop.version`` + 1, the old one deactivated) and a request keeps the
version it was made under. Its script steps and authority rows belong to that version.

An applied request is the reporting record: days deferred, amounts waived and ``applied_at``;
each waived amount is also its own ledger row (``ExtensionWaiver``), separate from payments.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO, Installment, LoanAccount, money
from config.pii import EncryptedTextField

from .cases import Case

HARDSHIP_REASONS = {
    "job_loss": _("Lost their job"),
    "reduced_income": _("Reduced income"),
    "illness": _("Illness or injury"),
    "family_emergency": _("Family emergency"),
    "natural_disaster": _("Natural disaster"),
}


def default_hardship_reasons() -> list[str]:
    return list(HARDSHIP_REASONS)


class ExtensionSop(models.Model):
    """One version of an extension SOP: who is eligible, what may be offered, by whom, how."""

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    active = models.BooleanField(_("active"), default=True)
    # Eligibility
    buckets = models.CharField(_("buckets"), max_length=64, help_text=_("Comma-separated, e.g. M1,M2."))
    min_dpd = models.PositiveIntegerField(_("from DPD"), default=1)
    max_dpd = models.PositiveIntegerField(_("to DPD"), null=True, blank=True, help_text=_("Empty: no upper bound."))
    products = models.CharField(_("products"), max_length=128, blank=True, help_text=_("Comma-separated; empty: any."))
    max_per_year = models.PositiveSmallIntegerField(_("extensions per 12 months at most"), default=1)
    broken_promise_days = models.PositiveSmallIntegerField(
        _("no broken promise in the last (days)"), default=30, help_text=_("0: not checked.")
    )
    refuse_open_dispute = models.BooleanField(_("refuse while a dispute is open"), default=True)
    min_repaid_share = models.DecimalField(
        _("minimum share already repaid"),
        max_digits=5,
        decimal_places=4,
        default=ZERO,
        help_text=_("0.1000 is 10%: a tenth of the whole schedule."),
    )
    # Offer limits
    max_installments = models.PositiveSmallIntegerField(_("installments deferred at most"), default=1)
    max_extension_days = models.PositiveSmallIntegerField(_("deferral days at most"), default=30)
    max_penalty_waiver = models.DecimalField(
        _("penalty waiver at most"), max_digits=5, decimal_places=4, default=ZERO, help_text=_("0.5000 is 50%.")
    )
    max_interest_waiver = models.DecimalField(
        _("interest waiver at most"), max_digits=5, decimal_places=4, default=ZERO, help_text=_("0.5000 is 50%.")
    )
    min_down_payment = models.DecimalField(
        _("down payment at least (share of the overdue amount)"), max_digits=5, decimal_places=4, default=ZERO
    )
    hardship_reasons = models.JSONField(
        _("accepted hardship reasons"),
        default=default_hardship_reasons,
        help_text=_("Codes: job_loss, reduced_income, illness, family_emergency, natural_disaster."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("extension SOP")
        verbose_name_plural = _("extension SOPs")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="extension_sop_unique_version"),
            models.UniqueConstraint(fields=["name"], condition=Q(active=True), name="extension_sop_one_active"),
            models.CheckConstraint(
                condition=Q(
                    max_penalty_waiver__gte=0,
                    max_penalty_waiver__lte=1,
                    max_interest_waiver__gte=0,
                    max_interest_waiver__lte=1,
                    min_down_payment__gte=0,
                    min_down_payment__lte=1,
                    min_repaid_share__gte=0,
                    min_repaid_share__lte=1,
                ),
                name="extension_sop_shares_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def bucket_list(self) -> list[str]:
        return [b.strip() for b in self.buckets.split(",") if b.strip()]

    @property
    def product_list(self) -> list[str]:
        return [p.strip() for p in self.products.split(",") if p.strip()]

    @property
    def max_penalty_waiver_percent(self) -> str:
        return format((self.max_penalty_waiver * 100).quantize(Decimal("0.01")).normalize(), "f")

    @property
    def max_interest_waiver_percent(self) -> str:
        return format((self.max_interest_waiver * 100).quantize(Decimal("0.01")).normalize(), "f")


class ExtensionSopStep(models.Model):
    """One step of the script an agent reads and ticks, in English and Simplified Chinese."""

    sop = models.ForeignKey(ExtensionSop, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=32)
    text_en = models.TextField(_("text (English)"))
    text_zh_hans = models.TextField(_("text (Simplified Chinese)"))
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["sop", "position"]
        verbose_name = _("script step")
        verbose_name_plural = _("script steps")
        constraints = [models.UniqueConstraint(fields=["sop", "code"], name="extension_step_unique_code")]

    def __str__(self) -> str:
        return self.code

    def text(self, language: str) -> str:
        return self.text_zh_hans if language.lower().startswith("zh") else self.text_en


class ExtensionAuthority(models.Model):
    """What one role may grant on its own in a bucket (empty bucket: any); no limit when empty."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        TEAM_LEAD = "team_lead", _("Team lead")
        SUPERVISOR = "supervisor", _("Supervisor")

    sop = models.ForeignKey(ExtensionSop, on_delete=models.CASCADE, related_name="authorities")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    bucket = models.CharField(_("bucket"), max_length=8, blank=True, help_text=_("Empty: every bucket."))
    max_waived_amount = models.DecimalField(
        _("waived amount at most"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("Empty: no limit."),
    )
    max_waiver_share = models.DecimalField(
        _("waiver at most (share)"), max_digits=5, decimal_places=4, null=True, blank=True,
        help_text=_("0.5000 is 50%; empty: no limit."),
    )

    class Meta:
        ordering = ["sop", "role", "bucket"]
        verbose_name = _("authority")
        verbose_name_plural = _("authority matrix")

    def __str__(self) -> str:
        return f"{self.role} {self.bucket or '*'}"

    def covers(self, *, bucket: str, waived: Decimal, share: Decimal) -> bool:
        return (
            (not self.bucket or self.bucket == bucket)
            and (self.max_waived_amount is None or waived <= self.max_waived_amount)
            and (self.max_waiver_share is None or share <= self.max_waiver_share)
        )


class ExtensionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (ExtensionStatus.DRAFT, ExtensionStatus.SUBMITTED, ExtensionStatus.APPROVED)


class ExtensionRequest(models.Model):
    """An extension negotiated on a case under one SOP version, from draft to applied."""

    Status = ExtensionStatus

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions")
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="extensions")
    sop = models.ForeignKey(ExtensionSop, on_delete=models.PROTECT, related_name="requests")
    bucket = models.CharField(_("bucket"), max_length=8)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.DRAFT)
    # Terms
    installment_seqs = models.JSONField(_("installments"), default=list)
    days_deferred = models.PositiveSmallIntegerField(_("days deferred"), default=0)
    penalty_waiver = models.DecimalField(_("penalty waived (share)"), max_digits=5, decimal_places=4, default=ZERO)
    interest_waiver = models.DecimalField(_("interest waived (share)"), max_digits=5, decimal_places=4, default=ZERO)
    penalty_waived = money(verbose_name=_("penalty waived"))
    interest_waived = money(verbose_name=_("interest waived"))
    down_payment = money(verbose_name=_("down payment"))
    hardship_reason = models.CharField(_("hardship reason"), max_length=32, blank=True)
    note = EncryptedTextField(_("note"), max_length=255, blank=True)  # what the agent typed: encrypted (DESIGN.md 18)
    # The script record: {step code: {"at": ISO time, "by": username}}
    script = models.JSONField(_("script record"), default=dict)
    # Abuse flags: a supervisor must clear them (approve the request)
    via_third_party = models.BooleanField(_("asked through a third party"), default=False)
    flag_repeated = models.BooleanField(_("repeated request"), default=False)
    flag_third_party = models.BooleanField(_("third party claims to represent the borrower"), default=False)
    # Decision
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = EncryptedTextField(_("decision reason"), max_length=255, blank=True)  # typed, as the note
    schedule_before = models.JSONField(null=True, blank=True)
    schedule_after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="extension_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=Q(penalty_waived__gte=0, interest_waived__gte=0, down_payment__gte=0),
                name="extension_amounts_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="extension_queue_idx"),
            models.Index(fields=["account", "created_at"], name="extension_account_idx"),
        ]

    def __str__(self) -> str:
        return f"Extension {self.pk} ({self.get_status_display()})"

    @property
    def waived_total(self) -> Decimal:
        return self.penalty_waived + self.interest_waived

    @property
    def hardship_reason_label(self) -> str:
        """The hardship reason in the reader's language (the code itself when it is not a shipped one)."""
        return str(HARDSHIP_REASONS.get(self.hardship_reason, self.hardship_reason))

    @property
    def waiver_share(self) -> Decimal:
        return max(self.penalty_waiver, self.interest_waiver)

    @property
    def flagged(self) -> bool:
        return self.flag_repeated or self.flag_third_party

    @property
    def schedule_changes(self) -> list[dict[str, object]]:
        """The installments whose due date or amounts the extension changed: seq, before, after."""
        before = {row["seq"]: row for row in self.schedule_before or []}
        return [
            {"seq": row["seq"], "before": before[row["seq"]], "after": row}
            for row in self.schedule_after or []
            if row["seq"] in before and row != before[row["seq"]]
        ]


class ExtensionWaiver(models.Model):
    """A ledger entry: one component of one installment waived by an applied extension."""

    class Component(models.TextChoices):
        PENALTY = "penalty", _("Penalty")
        INTEREST = "interest", _("Interest")

    request = models.ForeignKey(ExtensionRequest, on_delete=models.PROTECT, related_name="waivers")
    loan = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="waivers")
    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="waivers")
    component = models.CharField(_("component"), max_length=10, choices=Component.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    posted_at = models.DateTimeField(_("posted at"))
    value_date = models.DateField(_("value date"))

    class Meta:
        ordering = ["posted_at", "id"]
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="extension_waiver_positive")]

    def __str__(self) -> str:
        return f"{self.component} {self.amount}"
