"""Shapes of the core-system endpoints, for the OpenAPI schema and for the answers.

The request serializers *describe* the loan tape and the payment objects; the services read and
validate them (``accounts.services.book_tape`` / ``import_fields``), so the API, ``import_book``
and ``import_payments`` answer the very same errors, keyed by path
(``loans[3].installments[1].due_date``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Payment, Phone
from config.api import ErrorSerializer, InstantField

MONEY_PATTERN = r"^\d+(\.\d{1,2})?$"
MONEY_HELP = _('Decimal string, at most 2 decimal places ("1200.00"); JSON numbers are refused.')


def money(**kwargs: object) -> serializers.RegexField:
    return serializers.RegexField(MONEY_PATTERN, help_text=MONEY_HELP, **kwargs)  # type: ignore[arg-type]


class PhoneInSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text=_("Any format; national numbers are read in the borrower's country.")
    )
    type = serializers.ChoiceField(Phone.Type.choices, required=False, help_text=_("Default mobile."))
    owner = serializers.ChoiceField(Phone.Owner.choices, required=False, help_text=_("Default borrower."))
    third_party_name = serializers.CharField(
        required=False, help_text=_("Required when owner is third_party.")
    )
    third_party_relation = serializers.CharField(required=False)
    third_party_may_contact = serializers.BooleanField(required=False)
    autodialer_consent = serializers.BooleanField(required=False)


class BorrowerInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    national_id = serializers.CharField(
        required=False, help_text=_("Stored only as a keyed hash and its last 4 characters.")
    )
    date_of_birth = serializers.DateField(required=False)
    language = serializers.CharField(required=False, help_text=_("Default en."))
    address = serializers.CharField(required=False)
    country = serializers.CharField(min_length=2, max_length=2, help_text=_("ISO 3166 alpha-2."))
    region = serializers.CharField(required=False, help_text=_("US: the state code (NY)."))
    postal_code = serializers.CharField(required=False)
    timezone = serializers.CharField(
        required=False,
        help_text=_(
            "IANA zone. When absent: from the US state / ZIP, then the first phone, then the country."
        ),
    )
    deceased = serializers.BooleanField(required=False)
    bankruptcy = serializers.BooleanField(required=False)
    attorney_represented = serializers.BooleanField(required=False)
    phones = PhoneInSerializer(many=True, required=False)


class InstallmentInSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1, max_value=32767, help_text=_("Unique within the loan."))
    due_date = serializers.DateField()
    principal = money()
    interest = money(required=False)
    fee = money(required=False)
    penalty = money(required=False)


class LoanInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    borrower = serializers.CharField(help_text=_("External id of a borrower in the batch or the book."))
    product = serializers.CharField(max_length=32)
    currency = serializers.CharField(required=False, min_length=3, max_length=3, help_text=_("Default USD."))
    principal = money()
    rate = serializers.RegexField(
        r"^\d+(\.\d{1,4})?$", required=False, help_text=_("Annual rate, decimal string.")
    )
    opened_on = serializers.DateField()
    installments = InstallmentInSerializer(many=True, required=False)


class PaymentInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text=_("Idempotency key of the payment."))
    loan = serializers.CharField(max_length=64, help_text=_("External id of the loan."))
    amount = money()
    received_at = InstantField(help_text=_("ISO 8601 with an offset."))
    channel = serializers.ChoiceField(Payment.Channel.choices)


class BookImportSerializer(serializers.Serializer):
    borrowers = BorrowerInSerializer(many=True, required=False)
    loans = LoanInSerializer(many=True, required=False)
    payments = PaymentInSerializer(many=True, required=False)


class TableCountsSerializer(serializers.Serializer):
    borrowers = serializers.IntegerField()
    phones = serializers.IntegerField()
    emails = serializers.IntegerField()
    loans = serializers.IntegerField()
    installments = serializers.IntegerField()
    payments = serializers.IntegerField()


class BookImportResultSerializer(serializers.Serializer):
    borrowers = serializers.DictField(child=serializers.IntegerField(), help_text=_("External id -> id."))
    loans = serializers.DictField(child=serializers.IntegerField(), help_text=_("External id -> id."))
    phones = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("E.164 number -> id (a number of several borrowers: the first in the batch)."),
    )
    phones_by_borrower = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text=_("Borrower external id -> E.164 number -> id."),
    )
    payments = serializers.DictField(child=serializers.IntegerField(), help_text=_("External id -> id."))
    created = TableCountsSerializer()
    updated = TableCountsSerializer(
        help_text=_("Records of the batch that existed already (changed or not).")
    )


class PaymentBatchSerializer(serializers.Serializer):
    payments = PaymentInSerializer(many=True)


class PaymentOutSerializer(serializers.ModelSerializer):
    loan = serializers.CharField(source="loan.external_id")
    created = serializers.SerializerMethodField(
        help_text=_("False when this was a replay of a stored payment.")
    )

    class Meta:
        model = Payment
        fields = [
            "id", "external_id", "loan", "amount", "received_at", "value_date", "channel", "status",
            "unapplied_amount", "created",
        ]  # fmt: skip

    def get_created(self, payment: Payment) -> bool:
        return bool(self.context.get("created", {}).get(payment.pk, False))


class PaymentBatchResultSerializer(serializers.Serializer):
    payments = PaymentOutSerializer(many=True)


class BookImportJobSerializer(serializers.Serializer):
    """A large tape loaded in the background: its progress, then the synchronous import's answer."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        ["queued", "running", "done", "refused", "failed"],
        help_text=_(
            "queued, running, then done (result), refused (error: the bad rows; nothing was written) "
            "or failed (nothing was written)."
        ),
    )
    status_url = serializers.CharField(help_text=_("Where to ask for this job's progress and answer."))
    size_bytes = serializers.IntegerField()
    rows_total = serializers.IntegerField(
        allow_null=True, help_text=_("Borrowers, loans and payments of the tape; null until it was read.")
    )
    rows_done = serializers.IntegerField(
        help_text=_("Rows written: 0 until the all-or-nothing import commits, then rows_total.")
    )
    result = BookImportResultSerializer(
        allow_null=True, help_text=_("When done: the answer the synchronous import gives (200).")
    )
    error = ErrorSerializer(
        allow_null=True, help_text=_("When refused or failed: the error body the synchronous import gives (400).")
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
