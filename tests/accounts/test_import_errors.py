"""A bad row refuses the whole batch: its error names the path, field and reason, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Borrower
from accounts.services.book_import import book_import
from config.errors import DomainError
from tests.fixtures.tapes import payment, sample_tape, table_counts

pytestmark = pytest.mark.django_db

Tape = dict[str, Any]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Tape], None]:
    def change(tape: Tape) -> None:
        target = tape
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


BAD_ROWS = [
    pytest.param(
        _set(("loans", 1, "installments", 0, "due_date"), "2026-02-30"),
        "loans[1].installments[0].due_date", "not a date",
        id="impossible due date",
    ),
    pytest.param(
        _set(("loans", 0, "installments", 2, "principal"), "-200.00"),
        "loans[0].installments[2].principal", "must not be negative",
        id="negative amount",
    ),
    pytest.param(
        _set(("loans", 2, "borrower"), "B9"),
        "loans[2].borrower", "no borrower 'B9' in the batch or the book",
        id="unknown borrower reference",
    ),
    pytest.param(
        _set(("borrowers", 0, "phones", 1, "number"), "+1 555 555 0100"),
        "borrowers[0].phones[1].number", "not a valid phone number",
        id="invalid phone",
    ),
    pytest.param(
        _set(("borrowers", 1, "timezone"), "Asia/Atlantis"),
        "borrowers[1].timezone", "not an IANA time zone",
        id="unknown time zone",
    ),
    pytest.param(
        _set(("loans", 0, "principal"), 1200.5),
        "loans[0].principal", "not a JSON number",
        id="money as a JSON number",
    ),
    pytest.param(
        _set(("loans", 0, "installments", 1, "seq"), 1),
        "loans[0].installments[1].seq", "the same seq as loans[0].installments[0]",
        id="seq twice in one loan",
    ),
    pytest.param(
        _set(("loans", 3, "principle"), "300.00"),
        "loans[3].principle", "unknown field",
        id="misspelt field",
    ),
    pytest.param(
        _set(("loans", 3, "external_id"), "L1"),
        "loans[3].external_id", "appears twice in the batch (also loans[0])",
        id="loan twice in the batch",
    ),
    pytest.param(
        _set(("payments", 0, "loan"), "L9"),
        "payments[0].loan", "no loan with external id 'L9'",
        id="payment to an unknown loan",
    ),
    pytest.param(
        _set(("payments", 1, "received_at"), "2026-02-15T10:30:00"),
        "payments[1].received_at", "must carry a time zone offset",
        id="payment time without offset",
    ),
    pytest.param(
        _set(("borrowers", 2, "region"), "Texas"),
        "borrowers[2].region", "not a US state or territory code",
        id="US region not a state code",
    ),
    pytest.param(
        _set(("borrowers", 1, "phones", 1, "third_party_name"), None),
        "borrowers[1].phones[1].third_party_name", "required for a third party's phone",
        id="third party without a name",
    ),
    # Values of the right shape that no book holds: refused, not stored.
    pytest.param(
        _set(("payments", 0, "received_at"), "2199-01-01T00:00:00Z"),
        "payments[0].received_at", "is in the future",
        id="payment received in the future",
    ),
    pytest.param(
        _set(("loans", 0, "installments", 0, "due_date"), "0001-01-01"),
        "loans[0].installments[0].due_date", "before the loan was opened (2026-01-01)",
        id="installment due before the loan was opened",
    ),
    pytest.param(
        _set(("loans", 0, "opened_on"), "0001-01-01"),
        "loans[0].opened_on", "before 1900-01-01",
        id="loan opened in year 1",
    ),
    pytest.param(
        _set(("borrowers", 0, "date_of_birth"), "2099-01-01"),
        "borrowers[0].date_of_birth", "in the future",
        id="borrower born in the future",
    ),
    pytest.param(
        _set(("loans", 0, "currency"), None),
        "loans[0].currency", "required",
        id="loan without a currency",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("spoil", "key", "reason"), BAD_ROWS)
def test_a_bad_row_refuses_the_batch_naming_its_path_and_writes_nothing(spoil, key, reason):
    # given an otherwise valid tape with one bad row
    tape = sample_tape()
    spoil(tape)
    before = table_counts()

    # when
    with pytest.raises(DomainError) as refused:
        book_import(data=tape)

    # then
    assert list(refused.value.errors) == [key]
    assert reason in refused.value.errors[key][0]
    assert refused.value.code == "invalid"
    assert table_counts() == before


def test_every_problem_of_the_batch_is_reported_at_once():
    # given three bad rows
    tape = sample_tape()
    tape["loans"][1]["installments"][0]["due_date"] = "15/02/2026"
    tape["borrowers"][1]["timezone"] = "Shanghai"
    tape["payments"][0]["amount"] = "0.00"

    # when
    with pytest.raises(DomainError) as refused:
        book_import(data=tape)

    # then
    assert set(refused.value.errors) == {
        "loans[1].installments[0].due_date", "borrowers[1].timezone", "payments[0].amount",
    }  # fmt: skip
    assert "3 problems" in refused.value.message


def test_a_bad_row_in_a_later_batch_leaves_the_stored_book_as_it_was():
    # given a stored book
    book_import(data=sample_tape())
    before = table_counts()

    # when a second batch renames a borrower but has a bad row elsewhere
    tape = sample_tape()
    tape["borrowers"][0]["name"] = "Someone Else"
    tape["loans"][0]["installments"][0]["penalty"] = "ten"
    with pytest.raises(DomainError):
        book_import(data=tape)

    # then
    assert table_counts() == before
    assert Borrower.objects.get(external_id="B1").name == "Ann Lee"


def test_a_borrower_whose_time_zone_cannot_be_derived_is_asked_for_one():
    # given a US borrower with neither a state nor a phone
    tape = {"borrowers": [{"external_id": "B1", "name": "Ann Lee", "country": "US"}]}

    # when
    with pytest.raises(DomainError) as refused:
        book_import(data=tape)

    # then
    assert refused.value.errors == {
        "borrowers[0].timezone": ["cannot be derived from the country, region or phones; give it explicitly"]
    }


def test_a_body_that_is_not_a_tape_is_refused():
    with pytest.raises(DomainError) as refused:
        book_import(data=[{"external_id": "B1"}])

    assert refused.value.errors == {"__all__": ["must be an object"]}


def test_a_payment_id_used_before_with_another_amount_is_refused_in_an_import():
    # given
    book_import(data=sample_tape())
    before = table_counts()

    # when the same payment id comes back with another amount
    tape = sample_tape()
    tape["payments"] = [payment("P1", "999.00")]
    with pytest.raises(DomainError) as refused:
        book_import(data=tape)

    # then
    assert refused.value.errors == {"payments[0].external_id": ["payment 'P1' exists already with other values"]}
    assert table_counts() == before
