"""The book: borrowers, phones, loan accounts, installments, payments, and the nightly state.

Money is ``Decimal`` in ``DecimalField(max_digits=14, decimal_places=2)``; instants are aware UTC;
business dates (due dates, COB dates, payment value dates) are plain dates in the borrower's or
the book's calendar.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from config.pii import BlindIndexField, EncryptedDateField, EncryptedTextField

ZERO = Decimal("0.00")


def money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)  # type: ignore[arg-type]


class Borrower(models.Model):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    # Personal fields are encrypted at rest (config/pii.py); the name is searched by the blind index
    # of its words (``name_index``).
    name = EncryptedTextField(_("name"), max_length=200)
    name_index = BlindIndexField(source="name", kind="name", max_length=2000)
    # The national id is never stored: a keyed hash for matching, the last 4 (encrypted) for display.
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    national_id_last4 = EncryptedTextField(max_length=4, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    language = models.CharField(_("preferred language"), max_length=16, default="en")
    address_line = EncryptedTextField(_("address"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=64, blank=True)
    postal_code = EncryptedTextField(_("postal code"), max_length=16, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    timezone_overridden = models.BooleanField(default=False)
    deceased = models.BooleanField(default=False)
    bankruptcy = models.BooleanField(default=False)
    attorney_represented = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")

    def __str__(self) -> str:
        return self.external_id

    @property
    def national_id_masked(self) -> str:
        return f"*****{self.national_id_last4}" if self.national_id_last4 else ""


class Phone(models.Model):
    class Type(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        HOME = "home", _("Home")
        WORK = "work", _("Work")

    class Owner(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        THIRD_PARTY = "third_party", _("Third party")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="phones")
    # Encrypted at rest (config/pii.py): found by the blind index of the whole number (do-not-call
    # register, VICIdial's callback, replies, the import) and by those of its last digits (search).
    number = EncryptedTextField(_("number (E.164)"), max_length=16)
    number_index = BlindIndexField(source="number", kind="phone")
    number_tails = BlindIndexField(source="number", kind="phone_tails", max_length=255)
    type = models.CharField(_("type"), max_length=8, choices=Type.choices, default=Type.MOBILE)
    owner = models.CharField(_("owner"), max_length=12, choices=Owner.choices, default=Owner.BORROWER)
    third_party_name = EncryptedTextField(max_length=200, blank=True)
    third_party_relation = models.CharField(max_length=64, blank=True)
    third_party_may_contact = models.BooleanField(default=False)
    autodialer_consent = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    uncallable = models.BooleanField(default=False, help_text=_("Wrong or disconnected number."))
    # Text messages are a medium of their own (12 CFR 1006.14(h)): consent and opt-out apart from calls.
    sms_consent = models.BooleanField(_("consents to text messages"), default=False)
    sms_opted_out = models.BooleanField(_("opted out of text messages"), default=False)
    sms_opted_out_at = models.DateTimeField(_("opted out of texts at"), null=True, blank=True)
    # Every IANA zone the number implies (phonenumbers.timezone), comma separated.
    timezones = models.CharField(max_length=255, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [
            # Blank only between a bulk COPY of the seeder and its filling of the indexes.
            models.UniqueConstraint(
                fields=["borrower", "number_index"], condition=~Q(number_index=""), name="phone_unique_per_borrower"
            ),
        ]
        # E.164 is checked where a number enters (``accounts.services.phones``): a ciphertext cannot be.
        indexes = [models.Index(fields=["number_index"], name="phone_number_idx")]

    def __str__(self) -> str:
        return self.number_masked

    @property
    def number_masked(self) -> str:
        return f"{self.number[:3]}******{self.number[-2:]}" if self.number else ""

    @property
    def timezone_list(self) -> list[str]:
        return [tz for tz in self.timezones.split(",") if tz]


class EmailAddress(models.Model):
    """A borrower's e-mail address: where it came from (12 CFR 1006.6(d)(4)), consent and opt-out."""

    class Source(models.TextChoices):
        BORROWER = "borrower", _("Given by the borrower")
        CREDITOR_NOTICE = "creditor_notice", _("Used by the creditor, with notice")
        OTHER = "other", _("Found elsewhere (not for collection e-mail)")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="emails")
    address = EncryptedTextField(_("e-mail address"), max_length=254, validators=[validate_email])
    # Exact lookups (the opt-out of an address, the import's matching) by the blind index.
    address_index = BlindIndexField(source="address", kind="email")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.BORROWER)
    consent = models.BooleanField(_("consents to collection e-mail"), default=False)
    opted_out = models.BooleanField(_("opted out of e-mail"), default=False)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        constraints = [
            models.UniqueConstraint(fields=["borrower", "address_index"], name="email_unique_per_borrower"),
            models.CheckConstraint(
                condition=Q(source__in=["borrower", "creditor_notice", "other"]), name="email_source_valid"
            ),
        ]
        indexes = [models.Index(fields=["address_index"], name="email_address_idx")]

    def __str__(self) -> str:
        return self.address_masked

    @property
    def address_masked(self) -> str:
        local, _at, domain = self.address.partition("@")
        return f"{local[:1]}***@{domain}" if domain else ""


# Pseudo-buckets for accounts that left the book as of D, so transitions can say "to paid off"
# (COB and the reports both use them).
CLOSED_CODES = {"paid_off": "PAID", "settled": "SETTLED", "charged_off": "CO"}

# Labels are stored as data (administrators may rename them); the shipped ones are in the catalogue
# so that screens show them translated.
DEFAULT_BUCKETS = [
    ("M0", gettext_noop("Current"), 0, 0),
    ("M1", gettext_noop("1-30 DPD"), 1, 30),
    ("M2", gettext_noop("31-60 DPD"), 31, 60),
    ("M3", gettext_noop("61-90 DPD"), 61, 90),
    ("M4", gettext_noop("91-120 DPD"), 91, 120),
    ("M5", gettext_noop("121-150 DPD"), 121, 150),
    ("M6", gettext_noop("151-180 DPD"), 151, 180),
    ("M6+", gettext_noop("Over 180 DPD (write-off candidate)"), 181, None),
]


class Bucket(models.Model):
    """An M-bucket by DPD range; the boundaries are data an administrator can change."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    label = models.CharField(_("label"), max_length=64)
    min_dpd = models.PositiveIntegerField(_("from DPD"), unique=True)
    max_dpd = models.PositiveIntegerField(_("to DPD"), null=True, blank=True, help_text=_("Empty: no upper bound."))
    position = models.PositiveSmallIntegerField(_("order"), unique=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("bucket")
        verbose_name_plural = _("buckets")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_dpd__isnull=True) | Q(max_dpd__gte=F("min_dpd")), name="bucket_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.code


class LoanAccount(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAID_OFF = "paid_off", _("Paid off")
        CHARGED_OFF = "charged_off", _("Charged off")
        SETTLED = "settled", _("Settled")

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    product = models.CharField(_("product"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    principal = money(verbose_name=_("principal"))
    rate = models.DecimalField(_("annual rate"), max_digits=7, decimal_places=4, default=Decimal("0"))
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Derived by the nightly close of business (COB) as of ``cob_date``.
    cob_date = models.DateField(null=True, blank=True)
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    bucket = models.CharField(_("bucket"), max_length=8, default="M0")
    overdue_amount = money(verbose_name=_("overdue amount"))
    outstanding_balance = money(verbose_name=_("outstanding principal"))
    delinquent_since = models.DateField(_("delinquent since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loan account")
        verbose_name_plural = _("loan accounts")
        constraints = [
            models.CheckConstraint(condition=Q(principal__gte=0), name="loan_principal_non_negative"),
            models.CheckConstraint(condition=Q(overdue_amount__gte=0), name="loan_overdue_non_negative"),
            models.CheckConstraint(condition=Q(outstanding_balance__gte=0), name="loan_outstanding_non_negative"),
        ]
        indexes = [
            models.Index(fields=["bucket"], name="loan_bucket_idx", condition=~Q(bucket="M0")),
            models.Index(fields=["borrower"], name="loan_borrower_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Installment(models.Model):
    loan = models.ForeignKey(LoanAccount, on_delete=models.CASCADE, related_name="installments")
    seq = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    principal_due = money(verbose_name=_("principal due"))
    interest_due = money(verbose_name=_("interest due"))
    fee_due = money(verbose_name=_("fee due"))
    penalty_due = money(verbose_name=_("penalty due"))
    principal_paid = money(verbose_name=_("principal paid"))
    interest_paid = money(verbose_name=_("interest paid"))
    fee_paid = money(verbose_name=_("fee paid"))
    penalty_paid = money(verbose_name=_("penalty paid"))
    # Value date of the payment that completed it; empty while anything is still owed.
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    # Value date of the latest payment applied to it: COB uses the paid columns as they are for
    # any date on or after it and sums allocations only for replays of earlier dates.
    last_paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["loan", "seq"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(fields=["loan", "seq"], name="installment_unique_seq"),
            models.CheckConstraint(
                condition=Q(principal_due__gte=0, interest_due__gte=0, fee_due__gte=0, penalty_due__gte=0),
                name="installment_due_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    principal_paid__gte=0,
                    interest_paid__gte=0,
                    fee_paid__gte=0,
                    penalty_paid__gte=0,
                    principal_paid__lte=F("principal_due"),
                    interest_paid__lte=F("interest_due"),
                    fee_paid__lte=F("fee_due"),
                    penalty_paid__lte=F("penalty_due"),
                ),
                name="installment_paid_within_due",
            ),
        ]
        indexes = [
            # The nightly DPD query: unsettled installments by loan and due date.
            models.Index(fields=["loan", "due_date"], name="inst_unsettled_idx", condition=Q(settled_on__isnull=True)),
            models.Index(fields=["due_date"], name="inst_due_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.seq}"

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fee_due + self.penalty_due

    @property
    def total_paid(self) -> Decimal:
        return self.principal_paid + self.interest_paid + self.fee_paid + self.penalty_paid

    @property
    def remaining(self) -> Decimal:
        return self.total_due - self.total_paid


class Payment(models.Model):
    class Channel(models.TextChoices):
        AUTO_DEBIT = "auto_debit", _("Auto-debit")
        BORROWER = "borrower", _("Borrower-initiated")
        AGENT_ASSISTED = "agent_assisted", _("Agent-assisted")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    loan = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    received_at = models.DateTimeField(_("received at"))
    # The borrower's local date of ``received_at``: a payment at 21:00 in Los Angeles on the due
    # date is on time even though it is the next day in UTC.
    value_date = models.DateField(_("value date"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.POSTED)
    reversed_at = models.DateTimeField(null=True, blank=True)
    unapplied_amount = money(verbose_name=_("unapplied amount"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(unapplied_amount__gte=0), name="payment_unapplied_non_negative"),
        ]
        indexes = [models.Index(fields=["loan", "value_date"], name="payment_loan_value_idx")]

    def __str__(self) -> str:
        return self.external_id


class PaymentAllocation(models.Model):
    """How much of one payment went to one installment, by component (the waterfall's output)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    installment = models.ForeignKey(Installment, on_delete=models.CASCADE, related_name="allocations")
    value_date = models.DateField()
    penalty = money()
    fee = money()
    interest = money()
    principal = money()
    total = money()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "installment"], name="allocation_unique"),
            models.CheckConstraint(
                condition=Q(penalty__gte=0, fee__gte=0, interest__gte=0, principal__gte=0, total__gt=0),
                name="allocation_amounts_positive",
            ),
        ]
        indexes = [models.Index(fields=["installment", "value_date"], name="alloc_inst_value_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id}->{self.installment_id}: {self.total}"


class CobRun(models.Model):
    """One close of business for a date. Re-running a date replaces its results."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    date = models.DateField(_("business date"), unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text=_("Celery worker that ran it, if any."))
    accounts = models.PositiveIntegerField(default=0)
    delinquent = models.PositiveIntegerField(default=0)
    transitions = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("close of business")
        verbose_name_plural = _("closes of business")

    def __str__(self) -> str:
        return f"COB {self.date}"


class BucketTransition(models.Model):
    """An account changed bucket at a COB date (from the previous COB date's state).

    Partitioned by the month of ``date`` on PostgreSQL (config/partitions.py): its key there is ``(id, date)``."""

    date = models.DateField()
    account = models.ForeignKey(LoanAccount, on_delete=models.CASCADE, related_name="transitions")
    from_bucket = models.CharField(max_length=8)
    to_bucket = models.CharField(max_length=8)
    balance = money()
    overdue_amount = money()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "account"], name="transition_unique_per_day")]
        indexes = [models.Index(fields=["date", "from_bucket", "to_bucket"], name="transition_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.account_id}: {self.from_bucket}->{self.to_bucket}"


class DelinquencySnapshot(models.Model):
    """The state at a COB date of every account in collections or leaving it that day.

    Partitioned by the month of ``date`` on PostgreSQL (config/partitions.py): its key there is ``(id, date)``."""

    date = models.DateField()
    account = models.ForeignKey(LoanAccount, on_delete=models.CASCADE, related_name="snapshots")
    dpd = models.PositiveIntegerField()
    bucket = models.CharField(max_length=8)
    previous_bucket = models.CharField(max_length=8)
    overdue_amount = money()
    outstanding_balance = money()
    status = models.CharField(max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "account"], name="snapshot_unique_per_day")]
        indexes = [models.Index(fields=["date", "bucket"], name="snapshot_date_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.account_id}: {self.bucket} ({self.dpd} DPD)"


class BucketDailyTotal(models.Model):
    """Book-wide totals per bucket and currency at a COB date (active accounts): amounts in two
    currencies are never added together."""

    date = models.DateField()
    bucket = models.CharField(max_length=8)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    accounts = models.PositiveIntegerField()
    overdue_amount = money()
    outstanding_balance = money()

    class Meta:
        ordering = ["date", "bucket", "currency"]
        constraints = [models.UniqueConstraint(fields=["date", "bucket", "currency"], name="daily_total_unique_currency")]

    def __str__(self) -> str:
        return f"{self.date} {self.bucket} {self.currency}: {self.accounts}"


class PiiReveal(models.Model):
    """Every reveal of personal data: who, what, when, why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="reveals")
    field = models.CharField(max_length=32)
    reason = EncryptedTextField(max_length=255)  # what the agent typed, may name people (DESIGN.md 18)
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.user_id} revealed {self.field} of {self.borrower_id}"


class AuditEntry(models.Model):
    """Who changed what, when, before and after: money, schedules, assignment, policy, SOPs.

    Partitioned by the month of ``at`` on PostgreSQL (config/partitions.py): its key there is ``(id, at)``."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text=_("Integration or job name."))
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # What staff typed (a note given as the reason may name people): encrypted as the notes are.
    reason = EncryptedTextField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
