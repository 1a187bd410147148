"""Complaints about collection (DESIGN.md 17): categories and deadline policies as data, the complaint itself.

An open complaint of a holding category is a hard block of the compliance engine on its debt
(``complaint_open``): ``holds_collection`` is copied from the category when the complaint is
registered, so a later change of the category does not lift or add holds on complaints already open.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import LoanAccount
from config.pii import EncryptedTextField

from .cases import Case
from .contacts import ContactAttempt


class ComplaintCategory(models.Model):
    """What a complaint is about. ``label`` is English; screens translate it (the shipped ones are in
    the catalogue)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    holding = models.BooleanField(
        _("holds collection while open"),
        default=True,
        help_text=_("An open complaint of this category blocks every contact about its debt (complaint_open)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")

    def __str__(self) -> str:
        return self.label


class ComplaintPolicy(models.Model):
    """The deadlines of a complaint, by the borrower's country (empty: every other country).

    Acknowledgement in business days; the answer in business or calendar days (the CFPB's company
    response window is 15 calendar days). Business days skip weekends and the public holidays of
    the borrower's country.
    """

    country = models.CharField(_("borrower country"), max_length=2, blank=True, unique=True, help_text=_("Empty: any."))
    acknowledge_business_days = models.PositiveSmallIntegerField(_("acknowledge within (business days)"), default=1)
    resolve_days = models.PositiveSmallIntegerField(_("resolve within (days)"), default=15)
    resolve_in_business_days = models.BooleanField(
        _("resolution days are business days"), default=False, help_text=_("Unticked: calendar days.")
    )

    class Meta:
        ordering = ["country"]
        verbose_name = _("complaint policy")
        verbose_name_plural = _("complaint policies")

    def __str__(self) -> str:
        return self.country or "*"


class Complaint(models.Model):
    class Channel(models.TextChoices):
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")
        WEB = "web", _("Web or app")
        REGULATOR = "regulator", _("Regulator or ombudsman")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Resolution(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
        REJECTED = "rejected", _("Not upheld")
        WITHDRAWN = "withdrawn", _("Withdrawn by the borrower")

    class RootCause(models.TextChoices):
        AGENT_CONDUCT = "agent_conduct", _("Agent conduct")
        SCRIPT = "script", _("Script or procedure")
        CONTACT_STRATEGY = "contact_strategy", _("Contact frequency or strategy")
        DATA_ERROR = "data_error", _("Wrong data (debt, amount, number)")
        SYSTEM = "system", _("System fault")
        THIRD_PARTY = "third_party", _("Third party or vendor")
        MISUNDERSTANDING = "misunderstanding", _("Borrower misunderstanding")
        OTHER = "other", _("Other")

    OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="complaints")
    # The case's debt, kept here so the engine finds holds by account without a join.
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="complaints")
    category = models.ForeignKey(ComplaintCategory, on_delete=models.PROTECT, related_name="complaints")
    holds_collection = models.BooleanField(_("holds collection"), default=False)
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    description = EncryptedTextField(_("what the borrower says"), max_length=4000)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
        verbose_name=_("agent complained about"),
    )
    # The database checks neither side of the link (attempts are partitioned: README, Partitions).
    attempts = models.ManyToManyField(
        ContactAttempt, blank=True, related_name="complaints", verbose_name=_("contacts complained about"),
        db_constraint=False,
    )
    # The message complained about, once messages are kept beside their attempts (the attempt link
    # covers them meanwhile); becomes a foreign key then.
    message_id = models.PositiveBigIntegerField(_("message"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_owned",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    policy = models.ForeignKey(ComplaintPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=14, choices=Resolution.choices, blank=True)
    resolution_note = EncryptedTextField(_("resolution note"), max_length=4000, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["resolve_by", "pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # The engine's question on every contact: is this debt held by an open complaint?
            models.Index(
                fields=["account"],
                name="complaint_open_hold_idx",
                condition=Q(holds_collection=True) & ~Q(status="resolved"),
            ),
            models.Index(fields=["owner", "status", "resolve_by"], name="complaint_owner_queue_idx"),
            models.Index(fields=["agent", "received_at"], name="complaint_agent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False) & ~Q(resolution="")
                | ~Q(status="resolved") & Q(resolved_at__isnull=True, resolution=""),
                name="complaint_resolved_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"Complaint {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Dispute(models.Model):
    """A borrower disputes the debt (DESIGN.md 17; Reg F 1006.34 / 1006.38): collection on it holds until
    the verification is recorded with the outcome, upheld (the debt or an amount corrected) or rejected.

    The hold the engine reads is the debt's id in the borrower's ``dispute_hold_accounts`` contact
    preference, there while the debt's dispute is open; the borrower's other debts are not held.
    """

    class Via(models.TextChoices):
        DISPOSITION = "disposition", _("A call's disposition")
        AGENT = "agent", _("An agent")
        API = "api", _("The API")

    class Status(models.TextChoices):
        OPEN = "open", _("Open: collection held until verified")
        UPHELD = "upheld", _("Upheld: debt corrected")
        REJECTED = "rejected", _("Rejected: debt verified")
        WITHDRAWN = "withdrawn", _("Entered by mistake")

    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="disputes")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="disputes")
    via = models.CharField(_("opened by"), max_length=12, choices=Via.choices)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="disputes", db_constraint=False
    )
    reason = EncryptedTextField(_("what the borrower disputes"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification = EncryptedTextField(_("verification recorded"), max_length=4000, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrections = models.JSONField(_("corrections"), default=list, blank=True)
    schedule_before = models.JSONField(null=True, blank=True)
    schedule_after = models.JSONField(null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(status="open"), name="dispute_one_open_per_debt")
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk}"
