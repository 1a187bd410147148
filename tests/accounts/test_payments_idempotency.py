"""Payments are idempotent by external id: a replay is the same record, a reused id with other values is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import Payment, PaymentAllocation
from accounts.services.book_import import book_import, payments_import
from accounts.services.payments import PaymentIn, payments_post
from config.errors import DomainError
from tests.fixtures.tapes import one_loan_tape, payment, table_counts

pytestmark = pytest.mark.django_db

SCHEDULE = [
    {"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00"},
    {"seq": 2, "due_date": "2026-03-01", "principal": "200.00", "interest": "20.00"},
]


@pytest.fixture
def loan() -> None:
    book_import(data=one_loan_tape(installments=SCHEDULE))


def _allocations() -> list[tuple]:
    return sorted(PaymentAllocation.objects.values_list("payment__external_id", "installment__seq", "total"))


def test_the_same_payment_posted_twice_is_one_record_with_one_set_of_allocations(loan):
    # given
    first = payments_import(rows=[payment("P1", "300.00")])
    allocations = _allocations()

    # when
    again = payments_import(rows=[payment("P1", "300.00")])

    # then
    assert Payment.objects.count() == 1
    assert _allocations() == allocations == [("P1", 1, Decimal("220.00")), ("P1", 2, Decimal("80.00"))]
    assert (first[0][1], again[0][1]) == (True, False)
    assert first[0][0].pk == again[0][0].pk


def test_the_same_instant_written_in_another_offset_is_the_same_payment(loan):
    payments_import(rows=[payment("P1", "300.00", at="2026-02-01T15:00:00Z")])

    again = payments_import(rows=[payment("P1", "300.00", at="2026-02-01T10:00:00-05:00")])

    assert again[0][1] is False
    assert Payment.objects.count() == 1


def test_a_batch_holding_the_same_payment_twice_posts_it_once(loan):
    payments_import(rows=[payment("P1", "100.00"), payment("P1", "100.00")])

    assert Payment.objects.count() == 1
    assert Payment.objects.get().amount == Decimal("100.00")


def test_a_payment_id_reused_with_another_amount_is_refused_as_a_conflict(loan):
    # given
    payments_import(rows=[payment("P1", "300.00")])
    before, allocations = table_counts(), _allocations()

    # when
    with pytest.raises(DomainError) as refused:
        payments_import(rows=[payment("P1", "310.00")])

    # then
    assert refused.value.code == "conflict"
    assert refused.value.errors == {"payments[0].external_id": ["payment 'P1' exists already with other values"]}
    assert table_counts() == before
    assert _allocations() == allocations


def test_a_conflict_beside_a_bad_row_is_a_plain_bad_request(loan):
    payments_import(rows=[payment("P1", "300.00")])

    with pytest.raises(DomainError) as refused:
        payments_import(rows=[payment("P1", "310.00"), payment("P2", "10.00", loan="L9")])

    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {"payments[0].external_id", "payments[1].loan"}


def test_one_id_with_two_different_payments_in_a_batch_is_refused_and_nothing_is_posted(loan):
    with pytest.raises(DomainError) as refused:
        payments_import(rows=[payment("P1", "100.00"), payment("P1", "120.00"), payment("P2", "5.00")])

    assert refused.value.errors == {"payments[1].external_id": ["payment 'P1' appears twice with other values"]}
    assert Payment.objects.count() == 0


def test_payments_post_keeps_its_contract_for_typed_callers(loan):
    # given the typed entry point other services use
    item = PaymentIn("P1", "L1", Decimal("50.00"), datetime(2026, 2, 1, 12, tzinfo=UTC), "agent_assisted")

    # when
    first = payments_post(items=[item])
    again = payments_post(items=[item])

    # then
    assert (first.created, again.created) == ([True], [False])
    assert first.payments[0].value_date.isoformat() == "2026-02-01"
