"""The loan tape as rows: reading decoded JSON into typed rows, every problem collected by path.

Reads nothing from the book; ``accounts.services.book_import`` checks the rows against the book
and writes them. The field rules are in ``accounts.services.import_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EmailAddress, Payment, Phone
from accounts.services.import_fields import Errors, Fields
from accounts.services.payments import PaymentIn
from accounts.services.phones import (
    NormalisedPhone,
    PhoneNumberInvalid,
    country_is_known,
    national_id_hash,
    national_id_last4,
    national_id_normalise,
    phone_normalise,
    timezone_is_valid,
    us_region_is_known,
)

RATE_LIMIT = Decimal("1000")  # LoanAccount.rate: DecimalField(max_digits=7, decimal_places=4)
# The earliest birth or opening date a tape may hold: anything older is a placeholder (0001-01-01)
# that would make every due date after it look decades overdue.
EARLIEST = date(1900, 1, 1)

TOP_FIELDS = ("borrowers", "loans", "payments")
BORROWER_FIELDS = (
    "external_id", "name", "national_id", "date_of_birth", "language", "address", "country", "region",
    "postal_code", "timezone", "deceased", "bankruptcy", "attorney_represented", "phones", "emails",
)  # fmt: skip
PHONE_FIELDS = (
    "number", "type", "owner", "third_party_name", "third_party_relation", "third_party_may_contact",
    "autodialer_consent", "sms_consent",
)  # fmt: skip
EMAIL_FIELDS = ("address", "source", "consent")
LOAN_FIELDS = (
    "external_id",
    "borrower",
    "product",
    "currency",
    "principal",
    "rate",
    "opened_on",
    "installments",
)
INSTALLMENT_FIELDS = ("seq", "due_date", "principal", "interest", "fee", "penalty")
PAYMENT_FIELDS = ("external_id", "loan", "amount", "received_at", "channel")


@dataclass
class PhoneRow:
    path: str
    phone: NormalisedPhone
    owned_by_borrower: bool
    values: dict[str, Any]


@dataclass
class EmailRow:
    path: str
    address: str
    values: dict[str, Any]


@dataclass
class BorrowerRow:
    path: str
    external_id: str
    values: dict[str, Any]
    timezone: str | None
    phones: list[PhoneRow]
    emails: list[EmailRow] = field(default_factory=list)


@dataclass
class InstallmentRow:
    path: str
    seq: int
    values: dict[str, Any]


@dataclass
class LoanRow:
    path: str
    external_id: str
    borrower: str
    values: dict[str, Any]
    installments: list[InstallmentRow]


@dataclass
class Tape:
    borrowers: list[BorrowerRow] = field(default_factory=list)
    loans: list[LoanRow] = field(default_factory=list)
    payments: list[PaymentIn] = field(default_factory=list)
    payment_paths: list[str] = field(default_factory=list)


def _given(values: dict[str, Any], **fields: Any) -> None:
    values.update({name: value for name, value in fields.items() if value is not None})


def _past_date(f: Fields, name: str, *, required: bool = False) -> date | None:
    """A date from ``EARLIEST`` to today (a day ahead allowed: the borrower's date may be ahead of UTC's)."""
    value = f.date(name, required=required)
    if value is None:
        return None
    if value < EARLIEST:
        f.error(name, _("before %(earliest)s") % {"earliest": EARLIEST.isoformat()})
        return None
    if value > timezone.now().date() + timedelta(days=1):
        f.error(name, _("in the future"))
        return None
    return value


def _phone_parse(raw: Any, path: str, errors: Errors, country: str) -> PhoneRow | None:
    f = Fields(raw, path, errors, PHONE_FIELDS)
    number = f.text("number", max_length=32, required=True)
    owner = f.choice("owner", Phone.Owner.values)
    values: dict[str, Any] = {}
    _given(
        values,
        type=f.choice("type", Phone.Type.values),
        owner=owner,
        third_party_name=f.text("third_party_name", max_length=200),
        third_party_relation=f.text("third_party_relation", max_length=64),
        third_party_may_contact=f.boolean("third_party_may_contact"),
        autodialer_consent=f.boolean("autodialer_consent"),
        sms_consent=f.boolean("sms_consent"),
    )
    if owner == Phone.Owner.THIRD_PARTY and not values.get("third_party_name"):
        f.error("third_party_name", _("required for a third party's phone"))
    if number is None:
        return None
    try:
        phone = phone_normalise(number=number, country=country)
    except PhoneNumberInvalid as exc:
        f.error("number", str(exc))
        return None
    values["timezones"] = phone.timezones_text
    return PhoneRow(path, phone, owner in (None, Phone.Owner.BORROWER), values)


def _emails_parse(raw_emails: list[Any], path: str, errors: Errors) -> list[EmailRow]:
    """The borrower's e-mail addresses (lower-cased; the same address twice is an error)."""
    rows: list[EmailRow] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_emails):
        here = f"{path}.emails[{index}]"
        f = Fields(raw, here, errors, EMAIL_FIELDS)
        address = (f.text("address", max_length=254, required=True) or "").strip().lower()
        values: dict[str, Any] = {}
        _given(values, source=f.choice("source", EmailAddress.Source.values), consent=f.boolean("consent"))
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            f.error("address", _("not an e-mail address"))
            continue
        if address in seen:
            f.error("address", _("the same address as %(other)s") % {"other": seen[address]})
            continue
        seen[address] = here
        rows.append(EmailRow(here, address, values))
    return rows


def _borrower_parse(raw: Any, path: str, errors: Errors) -> BorrowerRow | None:
    f = Fields(raw, path, errors, BORROWER_FIELDS)
    external_id = f.text("external_id", max_length=64, required=True)
    country = (f.text("country", max_length=2, required=True) or "").upper()
    if country and not country_is_known(country):
        f.error("country", _("not an ISO 3166 country code"))
        country = ""
    region = f.text("region", max_length=64)
    if region is not None and country == "US":
        region = region.upper()
        if not us_region_is_known(region):
            f.error("region", _("not a US state or territory code (e.g. NY)"))
    explicit_timezone = f.text("timezone", max_length=64)
    if explicit_timezone is not None and not timezone_is_valid(explicit_timezone):
        f.error("timezone", _("not an IANA time zone (e.g. America/New_York)"))
    values: dict[str, Any] = {"country": country} if country else {}
    _given(
        values,
        name=f.text("name", max_length=200, required=True),
        date_of_birth=_past_date(f, "date_of_birth"),
        language=f.text("language", max_length=16),
        address_line=f.text("address", max_length=255),
        region=region,
        postal_code=f.text("postal_code", max_length=16),
        deceased=f.boolean("deceased"),
        bankruptcy=f.boolean("bankruptcy"),
        attorney_represented=f.boolean("attorney_represented"),
    )
    national_id = f.text("national_id", max_length=64)
    if national_id is not None:
        if national_id_normalise(national_id):
            values["national_id_hash"] = national_id_hash(national_id)
            values["national_id_last4"] = national_id_last4(national_id)
        else:
            f.error("national_id", _("not an id"))
    phones: list[PhoneRow] = []
    seen: dict[str, str] = {}
    for index, raw_phone in enumerate(f.items("phones")):
        phone = _phone_parse(raw_phone, f"{path}.phones[{index}]", errors, country)
        if phone is None:
            continue
        if phone.phone.e164 in seen:
            errors.add(
                f"{phone.path}.number", _("the same number as %(other)s") % {"other": seen[phone.phone.e164]}
            )
            continue
        seen[phone.phone.e164] = phone.path
        phones.append(phone)
    emails = _emails_parse(f.items("emails"), path, errors)
    if external_id is None:
        return None
    return BorrowerRow(path, external_id, values, explicit_timezone, phones, emails)


def _installment_parse(raw: Any, path: str, errors: Errors) -> InstallmentRow | None:
    f = Fields(raw, path, errors, INSTALLMENT_FIELDS)
    seq = f.integer("seq", minimum=1, maximum=32767, required=True)
    values: dict[str, Any] = {}
    _given(
        values,
        due_date=f.date("due_date", required=True),
        principal_due=f.decimal("principal", required=True),
        interest_due=f.decimal("interest"),
        fee_due=f.decimal("fee"),
        penalty_due=f.decimal("penalty"),
    )
    return InstallmentRow(path, seq, values) if seq is not None else None


def _loan_parse(raw: Any, path: str, errors: Errors) -> LoanRow | None:
    f = Fields(raw, path, errors, LOAN_FIELDS)
    external_id = f.text("external_id", max_length=64, required=True)
    borrower = f.text("borrower", max_length=64, required=True)
    currency = f.text("currency", max_length=3, required=True)  # never a silent default
    if currency is not None:
        currency = currency.upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            f.error("currency", _("not an ISO 4217 currency code"))
    values: dict[str, Any] = {}
    _given(
        values,
        product=f.text("product", max_length=32, required=True),
        currency=currency,
        principal=f.decimal("principal", required=True),
        rate=f.decimal("rate", places=4, limit=RATE_LIMIT),
        opened_on=_past_date(f, "opened_on", required=True),
    )
    opened_on = values.get("opened_on")
    installments: list[InstallmentRow] = []
    seqs: dict[int, str] = {}
    for index, raw_installment in enumerate(f.items("installments")):
        installment = _installment_parse(raw_installment, f"{path}.installments[{index}]", errors)
        if installment is None:
            continue
        due_date = installment.values.get("due_date")
        if opened_on is not None and due_date is not None and due_date < opened_on:
            errors.add(
                f"{installment.path}.due_date",
                _("before the loan was opened (%(opened_on)s)") % {"opened_on": opened_on.isoformat()},
            )
        if installment.seq in seqs:
            errors.add(
                f"{installment.path}.seq", _("the same seq as %(other)s") % {"other": seqs[installment.seq]}
            )
            continue
        seqs[installment.seq] = installment.path
        installments.append(installment)
    if external_id is None or borrower is None:
        return None
    return LoanRow(path, external_id, borrower, values, installments)


def payment_parse(raw: Any, path: str, errors: Errors) -> PaymentIn | None:
    """One payment object (``external_id, loan, amount, received_at, channel``), all required."""
    f = Fields(raw, path, errors, PAYMENT_FIELDS)
    external_id = f.text("external_id", max_length=64, required=True)
    loan = f.text("loan", max_length=64, required=True)
    amount = f.decimal("amount", required=True)
    received_at = f.instant("received_at", required=True)
    channel = f.choice("channel", Payment.Channel.values, required=True)
    if external_id is None or loan is None or amount is None or received_at is None or channel is None:
        return None
    return PaymentIn(external_id, loan, amount, received_at, channel)


def tape_parse(data: Any, errors: Errors) -> Tape:
    """Read a decoded JSON tape into rows; every problem goes to ``errors``. Reads nothing from the book."""
    top = Fields(data, "", errors, TOP_FIELDS)
    tape = Tape()
    borrower_paths: dict[str, str] = {}
    for index, raw in enumerate(top.items("borrowers")):
        borrower = _borrower_parse(raw, f"borrowers[{index}]", errors)
        if borrower is not None and _first_in_batch(
            borrower.external_id, borrower.path, borrower_paths, errors
        ):
            tape.borrowers.append(borrower)
    loan_paths: dict[str, str] = {}
    for index, raw in enumerate(top.items("loans")):
        loan = _loan_parse(raw, f"loans[{index}]", errors)
        if loan is not None and _first_in_batch(loan.external_id, loan.path, loan_paths, errors):
            tape.loans.append(loan)
    for index, raw in enumerate(top.items("payments")):
        path = f"payments[{index}]"
        payment = payment_parse(raw, path, errors)
        if payment is not None:
            tape.payments.append(payment)
            tape.payment_paths.append(path)
    return tape


def _first_in_batch(external_id: str, path: str, seen: dict[str, str], errors: Errors) -> bool:
    if external_id in seen:
        errors.add(
            f"{path}.external_id",
            _("appears twice in the batch (also %(other)s)") % {"other": seen[external_id]},
        )
        return False
    seen[external_id] = path
    return True
