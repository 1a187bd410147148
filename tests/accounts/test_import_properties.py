"""Properties of the import and payment parsers over arbitrary input (hypothesis).

- Whatever arrives (JSON values, text, bytes, CSV cells), the services answer with the rows or a
  ``DomainError`` naming the bad row and field, the API with 2xx or 4xx in the error body, the
  commands with a ``CommandError``: never another exception, never a 500.
- A refused batch writes nothing.
- Valid generated rows round-trip: amounts as exact ``Decimal``, dates and instants as given,
  phone numbers written any usual way stored in E.164.

Each example runs in a savepoint that is rolled back, so examples do not see each other's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry, Borrower, Installment, LoanAccount, Payment, Phone
from accounts.services.book_csv import book_import_csv, payments_import_csv
from accounts.services.book_import import book_import, payments_import
from accounts.services.import_fields import Errors, Fields, printable, storable
from accounts.services.phones import PhoneNumberInvalid, phone_normalise
from config.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DB_EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
TABLES = (Borrower, Phone, LoanAccount, Installment, Payment, AuditEntry)

# Any text, NUL characters and unpaired surrogates included; any decoded JSON value.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in TABLES)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def outcome(action: Callable[[], Any]) -> tuple[Any, DomainError | None]:
    """Run ``action`` in a rolled-back savepoint: its result, or the ``DomainError`` it raised (after
    checking that nothing was written). Any other exception fails the test."""
    with rolled_back():
        before = counts()
        try:
            return action(), None
        except DomainError as refusal:
            assert counts() == before, "a refused batch wrote rows"
            assert refusal.errors, "a refusal names what is wrong"
            return None, refusal


# A valid tape, and one field of it replaced ----------------------------------------------------


def base_tape() -> dict[str, Any]:
    return {
        "borrowers": [
            {
                "external_id": "B1", "name": "Ann Lee", "national_id": "123-45-6789", "date_of_birth": "1985-04-12",
                "language": "en", "address": "350 Fifth Avenue", "country": "US", "region": "NY",
                "postal_code": "10001", "timezone": "America/New_York", "deceased": False,
                "phones": [{"number": "+12125550100", "type": "mobile", "owner": "borrower",
                            "autodialer_consent": True}],
            }
        ],
        "loans": [
            {
                "external_id": "L1", "borrower": "B1", "product": "cash", "currency": "USD", "principal": "1200.00",
                "rate": "0.1800", "opened_on": "2026-01-01",
                "installments": [
                    {"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00", "fee": "0.00",
                     "penalty": "0.00"},
                    {"seq": 2, "due_date": "2026-03-01", "principal": "200.00", "interest": "20.00"},
                ],
            }
        ],
        "payments": [
            {"external_id": "P1", "loan": "L1", "amount": "220.00", "received_at": "2026-02-01T10:00:00Z",
             "channel": "auto_debit"}
        ],
    }  # fmt: skip


# (path of the element, the field) of every field but the ids the other rows refer to
TAPE_FIELDS = [
    *[("borrowers[0]", name) for name in ("name", "national_id", "date_of_birth", "language", "address", "country",
                                          "region", "postal_code", "timezone", "deceased", "bankruptcy",
                                          "attorney_represented", "phones")],
    *[("borrowers[0].phones[0]", name) for name in ("number", "type", "owner", "third_party_name",
                                                    "third_party_relation", "third_party_may_contact",
                                                    "autodialer_consent")],
    *[("loans[0]", name) for name in ("product", "currency", "principal", "rate", "opened_on", "installments")],
    *[("loans[0].installments[1]", name) for name in ("seq", "due_date", "principal", "interest", "fee",
                                                      "penalty")],
    *[("payments[0]", name) for name in ("amount", "received_at", "channel")],
]  # fmt: skip


def element(tape: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = tape
    for name, index in re.findall(r"(\w+)\[(\d+)\]", path):
        node = node[name][int(index)]
    return node  # type: ignore[no-any-return]


@DB_EXAMPLES
@given(target=st.sampled_from(TAPE_FIELDS), value=json_values, drop=st.booleans())
@example(target=("payments[0]", "received_at"), value="0001-01-01T00:00:00+01:00", drop=False)
@example(target=("payments[0]", "received_at"), value="9999-12-31T23:00:00-05:00", drop=False)
@example(target=("borrowers[0]", "name"), value="Ann\x00Lee", drop=False)
@example(target=("borrowers[0]", "address"), value="\ud800", drop=False)
@example(target=("loans[0]", "principal"), value="١٢٠٠.٠٠", drop=False)
def test_a_tape_with_any_value_in_one_field_is_imported_or_refused_naming_that_row(
    db: None, target: tuple[str, str], value: Any, drop: bool
) -> None:
    path, name = target
    tape = base_tape()
    if drop:
        element(tape, path).pop(name, None)
    else:
        element(tape, path)[name] = value

    result, refusal = outcome(lambda: book_import(data=tape))

    if refusal is not None:
        assert all(key.startswith(path) for key in refusal.errors), refusal.errors
    else:
        assert result.loans.keys() == {"L1"}


@DB_EXAMPLES
@given(path=st.sampled_from(["", "borrowers[0]", "borrowers[0].phones[0]", "loans[0]", "loans[0].installments[0]",
                             "payments[0]"]), name=any_text, value=json_values)  # fmt: skip
@example(path="borrowers[0]", name="\ud800\x00", value=1)
def test_an_unknown_field_anywhere_is_refused_by_its_path(db: None, path: str, name: str, value: Any) -> None:
    tape = base_tape()
    target = element(tape, path)
    assume(name not in target)
    target[name] = value

    _result, refusal = outcome(lambda: book_import(data=tape))

    assert refusal is not None
    assert list(refusal.errors) == [printable(f"{path}.{name}" if path else name) or "__all__"]
    json.dumps(refusal.as_body()).encode()  # the error body can be sent


@DB_EXAMPLES
@given(data=json_values)
def test_any_json_value_as_a_tape_or_as_payments_is_imported_or_refused(db: None, data: Any) -> None:
    outcome(lambda: book_import(data=data))
    outcome(lambda: payments_import(rows=data if isinstance(data, list) else [data]))


# Valid generated rows round-trip ------------------------------------------------------------------

money = st.integers(min_value=0, max_value=10**14 - 1).map(lambda cents: Decimal(cents).scaleb(-2))
money_text = money.flatmap(lambda amount: st.sampled_from([f"{amount:.2f}", f"{amount.normalize():f}"]))
rates = st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"{Decimal(n).scaleb(-4):f}")
days = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31))
past_days = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2025, 12, 31))  # births, openings
offsets = st.integers(min_value=-14 * 4, max_value=14 * 4).map(lambda quarters: dt.timezone(dt.timedelta(minutes=15 * quarters)))
instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2025, 12, 31), timezones=offsets)
COUNTRIES = {"US": ("NY", "America/New_York"), "GB": ("", "Europe/London"), "CN": ("", "Asia/Shanghai")}
FORMATS = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
           phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.RFC3966)  # fmt: skip


@st.composite
def phone_numbers(draw: st.DrawFn, country: str) -> tuple[str, str]:
    """(the number as someone may write it, its E.164 form): a valid number of ``country``."""
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    number = phonenumbers.example_number_for_type(country, kind)
    number.national_number = number.national_number // 1000 * 1000 + draw(st.integers(0, 999))
    assume(phonenumbers.is_valid_number(number))
    written = phonenumbers.format_number(number, draw(st.sampled_from(FORMATS)))
    if draw(st.booleans()):
        written = f"  {written.replace(' ', draw(st.sampled_from(['-', '.', ' '])))} "
    return written, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@st.composite
def valid_tapes(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A tape of 1-2 borrowers with 0-2 phones, a loan each with 1-3 installments and 0-2 payments; and
    what the book must hold after it (amounts as Decimal, numbers in E.164, instants in UTC)."""
    tape: dict[str, Any] = {"borrowers": [], "loans": [], "payments": []}
    expected: dict[str, Any] = {"phones": {}, "loans": {}, "installments": {}, "payments": {}}
    for b in range(draw(st.integers(1, 2))):
        country = draw(st.sampled_from(sorted(COUNTRIES)))
        region, zone = COUNTRIES[country]
        numbers = draw(st.lists(phone_numbers(country), max_size=2, unique_by=lambda pair: pair[1]))
        name = draw(st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=60).map(str.strip))
        assume(name)
        borrower = {"external_id": f"B{b}", "name": name, "country": country, "region": region,
                    "date_of_birth": draw(past_days).isoformat(),
                    "phones": [{"number": written} for written, _e164 in numbers]}  # fmt: skip
        if country == "US":
            borrower["postal_code"] = "10001"
        tape["borrowers"].append({key: value for key, value in borrower.items() if value != ""})
        expected["phones"][f"B{b}"] = ({e164 for _written, e164 in numbers}, zone, name)
        loan_id = f"L{b}"
        principal, rate, opened = draw(money_text), draw(rates), draw(past_days)
        installments = [
            {"seq": seq, "due_date": draw(st.dates(min_value=opened, max_value=dt.date(2100, 12, 31))).isoformat(),
             "principal": draw(money_text),
             "interest": draw(money_text), "fee": draw(money_text), "penalty": draw(money_text)}
            for seq in range(1, draw(st.integers(1, 3)) + 1)
        ]  # fmt: skip
        tape["loans"].append({"external_id": loan_id, "borrower": f"B{b}", "product": "cash", "currency": "EUR", "principal": principal,
                              "rate": rate, "opened_on": opened.isoformat(), "installments": installments})
        expected["loans"][loan_id] = (Decimal(principal), Decimal(rate), opened)
        for row in installments:
            expected["installments"][(loan_id, row["seq"])] = (
                dt.date.fromisoformat(row["due_date"]),
                *(Decimal(row[name]) for name in ("principal", "interest", "fee", "penalty")),
            )
        for p in range(draw(st.integers(0, 2))):
            amount = draw(money.filter(lambda value: value > 0))
            received = draw(instants)
            tape["payments"].append({"external_id": f"P{b}-{p}", "loan": loan_id, "amount": f"{amount:.2f}",
                                     "received_at": received.isoformat(), "channel": "borrower"})
            expected["payments"][f"P{b}-{p}"] = (amount, received)
    return tape, expected


@settings(DB_EXAMPLES, max_examples=40)
@given(generated=valid_tapes())
def test_valid_rows_round_trip_exactly(db: None, generated: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tape, expected = generated
    with rolled_back():
        book_import(data=tape)

        for external_id, (numbers, zone, name) in expected["phones"].items():
            borrower = Borrower.objects.get(external_id=external_id)
            assert set(borrower.phones.values_list("number", flat=True)) == numbers
            assert (borrower.timezone, borrower.name) == (zone, name)
        for external_id, wanted in expected["loans"].items():
            loan = LoanAccount.objects.get(external_id=external_id)
            assert (loan.principal, loan.rate, loan.opened_on) == wanted
        stored = {
            (i.loan.external_id, i.seq): (i.due_date, i.principal_due, i.interest_due, i.fee_due, i.penalty_due)
            for i in Installment.objects.select_related("loan")
        }
        assert stored == expected["installments"]
        payments = {p.external_id: (p.amount, p.received_at) for p in Payment.objects.all()}
        assert payments == expected["payments"]


@settings(max_examples=300, deadline=None)
@given(country=st.sampled_from(sorted(COUNTRIES)), data=st.data())
def test_a_valid_number_written_any_usual_way_normalises_to_the_same_e164(country: str, data: st.DataObject) -> None:
    written, e164 = data.draw(phone_numbers(country))

    assert phone_normalise(number=written, country=country).e164 == e164


@settings(max_examples=500, deadline=None)
@given(text=any_text, country=st.sampled_from(["US", "GB", "CN", "", "ZZ"]))
def test_any_text_is_a_phone_number_or_refused_as_one(text: str, country: str) -> None:
    try:
        phone = phone_normalise(number=text, country=country)
    except PhoneNumberInvalid:
        return
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", phone.e164)


@settings(max_examples=500, deadline=None)
@given(value=json_values)
@example(value="0001-01-01T00:00:00+01:00")
@example(value="٢٠٢٦-٠١-٠١")
def test_each_field_reader_returns_a_clean_value_or_records_an_error(value: Any) -> None:
    readers: dict[str, Callable[[Fields], Any]] = {
        "text": lambda f: f.text("x", max_length=64),
        "decimal": lambda f: f.decimal("x"),
        "date": lambda f: f.date("x"),
        "instant": lambda f: f.instant("x"),
        "boolean": lambda f: f.boolean("x"),
        "integer": lambda f: f.integer("x", minimum=1, maximum=32767),
        "choice": lambda f: f.choice("x", ["a", "b"]),
    }
    for kind, read in readers.items():
        errors = Errors()
        got = read(Fields({"x": value}, "row", errors, ["x"]))
        if got is None:
            blank = value is None or (isinstance(value, str) and not (value.strip() if kind == "text" else value))
            assert errors or blank, kind
            continue
        assert not errors, kind
        if kind == "text":
            assert storable(got) and got == got.strip() and len(got) <= 64
        if kind == "decimal":
            assert got == Decimal(value.strip()) and 0 <= got < Decimal(10) ** 12 and got.as_tuple().exponent >= -2
        if kind == "instant":
            assert got.utcoffset() == dt.timedelta(0) and got.astimezone(dt.timezone(dt.timedelta(hours=-23)))


# CSV ----------------------------------------------------------------------------------------------


def csv_rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8"))))


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


BOOK = csv_rows("book.csv")
PAYMENTS = csv_rows("payments.csv")


def names_row(refusal: DomainError, row: int) -> bool:
    """Every key names a spreadsheet row; the changed row is among them, or the rows that differ from it say so."""
    keys = list(refusal.errors)
    assert all(re.match(r"^row \d+(\.|$)", key) for key in keys), keys
    mentioned = " ".join(message for messages in refusal.errors.values() for message in messages)
    return any(re.match(rf"^row {row}(\.|$)", key) for key in keys) or f"row {row} " in mentioned + " "


@DB_EXAMPLES
@given(row=st.integers(1, len(BOOK) - 1), column=st.integers(0, len(BOOK[0]) - 1), value=any_text)
@example(row=1, column=BOOK[0].index("installment_seq"), value="²")
@example(row=2, column=BOOK[0].index("loan_principal"), value="x" * 140_000)
@example(row=1, column=BOOK[0].index("borrower_name"), value="Ann\x00Lee")
def test_a_book_csv_with_any_cell_is_imported_or_refused_naming_the_row(db: None, row: int, column: int,
                                                                         value: str) -> None:
    assume(storable(value) or "\x00" in value)  # a file read as UTF-8 holds no unpaired surrogate
    rows = [list(r) for r in BOOK]
    rows[row][column] = value

    _result, refusal = outcome(lambda: book_import_csv(text=csv_text(rows)))

    if refusal is not None:
        assert names_row(refusal, row + 1), refusal.errors


@DB_EXAMPLES
@given(row=st.integers(1, len(PAYMENTS) - 1), column=st.integers(0, len(PAYMENTS[0]) - 1), value=any_text)
@example(row=1, column=3, value="0001-01-01T00:30:00+01:00")
def test_a_payments_csv_with_any_cell_is_posted_or_refused_naming_the_row(db: None, row: int, column: int,
                                                                          value: str) -> None:
    assume(storable(value) or "\x00" in value)
    with rolled_back():
        book_import_csv(text=(FIXTURES / "book.csv").read_text(encoding="utf-8"))  # the loans L1 and L2
        rows = [list(r) for r in PAYMENTS]
        rows[row][column] = value

        _result, refusal = outcome(lambda: payments_import_csv(text=csv_text(rows)))

        if refusal is not None:
            assert names_row(refusal, row + 1), refusal.errors


@DB_EXAMPLES
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=300))
@example(text="external_id,loan,amount,received_at,channel\n" + "x" * 140_000)
@example(text="borrower_external_id\r\n\x00,\n")
def test_any_text_as_a_book_csv_or_a_payments_csv_is_imported_or_refused(db: None, text: str) -> None:
    outcome(lambda: book_import_csv(text=text))
    outcome(lambda: payments_import_csv(text=text))


# The API and the command ------------------------------------------------------------------------


@pytest.fixture
def administrator(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@DB_EXAMPLES
@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                      st.builds(lambda d: json.dumps({"payments": d}).encode(), json_values)),
       url=st.sampled_from(["/api/v1/book/import/", "/api/v1/payments/"]))  # fmt: skip
@example(body=b"[" * 100_000 + b"]" * 100_000, url="/api/v1/payments/")
@example(body=b'{"borrowers": [{"\\ud800": 1}]}', url="/api/v1/book/import/")
@example(body=b'{"external_id": "P\\u0000", "loan": "L1", "amount": "1.00", "received_at": "2026-01-01T00:00:00Z", '
              b'"channel": "borrower"}', url="/api/v1/payments/")  # fmt: skip
def test_any_body_to_the_import_api_is_answered_without_a_server_error(administrator: Client, body: bytes,
                                                                        url: str) -> None:
    with rolled_back():
        before = counts()
        response = administrator.post(url, body, content_type="application/json")

        assert response.status_code in (200, 201, 400, 409), response.content[:300]
        if response.status_code >= 400:
            assert set(response.json()) >= {"message", "errors", "code"}
            assert counts() == before


@settings(DB_EXAMPLES, max_examples=30)
@given(content=st.binary(max_size=300) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
       kind=st.sampled_from(["csv", "json"]), command=st.sampled_from(["import_payments", "import_book"]))  # fmt: skip
@example(content=b"[" * 100_000, kind="json", command="import_payments")
def test_the_import_commands_read_any_file_or_refuse_it(db: None, tmp_path_factory: pytest.TempPathFactory,
                                                        content: bytes, kind: str, command: str) -> None:
    path = tmp_path_factory.mktemp("in") / f"batch.{kind}"
    path.write_bytes(content)

    with rolled_back():
        before = counts()
        try:
            call_command(command, str(path), stdout=io.StringIO())
        except CommandError:
            assert counts() == before
