"""The payment waterfall: oldest installment first; within one, penalty, fee, interest, principal."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import Installment, LoanAccount, Payment, PaymentAllocation
from accounts.services.book_import import book_import, payments_import
from accounts.services.payments import payment_reverse
from collections_app.services.close import book_close
from tests.fixtures.tapes import one_loan_tape, payment

pytestmark = pytest.mark.django_db


def _loan(*installments: dict) -> LoanAccount:
    book_import(data=one_loan_tape(installments=list(installments)))
    return LoanAccount.objects.get(external_id="L1")


def _installment(seq: int, due: str, principal: str = "200.00", interest: str = "20.00", **more: str) -> dict:
    return {"seq": seq, "due_date": due, "principal": principal, "interest": interest, **more}


def _paid(seq: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    i = Installment.objects.get(loan__external_id="L1", seq=seq)
    return i.penalty_paid, i.fee_paid, i.interest_paid, i.principal_paid


def _d(text: str) -> Decimal:
    return Decimal(text)


def test_a_payment_covering_several_installments_settles_the_oldest_first():
    # given three monthly installments of 220
    _loan(_installment(1, "2026-02-01"), _installment(2, "2026-03-01"), _installment(3, "2026-04-01"))

    # when 500 arrives
    payments_import(rows=[payment("P1", "500.00", at="2026-03-05T15:00:00Z")])

    # then
    assert _paid(1) == _paid(2) == (_d("0.00"), _d("0.00"), _d("20.00"), _d("200.00"))
    assert _paid(3) == (_d("0.00"), _d("0.00"), _d("20.00"), _d("40.00"))
    settled = dict(Installment.objects.values_list("seq", "settled_on"))
    assert settled == {1: date(2026, 3, 5), 2: date(2026, 3, 5), 3: None}
    assert list(PaymentAllocation.objects.order_by("installment__seq").values_list("total", flat=True)) == [
        _d("220.00"), _d("220.00"), _d("60.00"),
    ]  # fmt: skip


def test_the_oldest_installment_is_the_earliest_due_whatever_its_number():
    # given a schedule whose numbers do not follow the due dates
    _loan(_installment(1, "2026-03-01"), _installment(2, "2026-02-01"))

    # when
    payments_import(rows=[payment("P1", "220.00")])

    # then
    assert Installment.objects.get(seq=2).settled_on is not None
    assert Installment.objects.get(seq=1).settled_on is None


def test_within_one_installment_penalty_then_fee_then_interest_then_principal():
    # given
    _loan(_installment(1, "2026-02-01", penalty="10.00", fee="5.00"))

    # when 30 arrives
    payments_import(rows=[payment("P1", "30.00")])

    # then
    assert _paid(1) == (_d("10.00"), _d("5.00"), _d("15.00"), _d("0.00"))


def test_a_partial_payment_leaves_the_installment_open_and_the_account_past_due():
    # given
    _loan(_installment(1, "2026-02-01"), _installment(2, "2026-03-01"))

    # when 100 of 220 arrives on the due date
    payments_import(rows=[payment("P1", "100.00")])

    # then
    first = Installment.objects.get(seq=1)
    assert (first.interest_paid, first.principal_paid, first.settled_on) == (_d("20.00"), _d("80.00"), None)
    assert first.remaining == _d("120.00")
    book_close(business_date=date(2026, 2, 11))
    loan = LoanAccount.objects.get()
    assert (loan.dpd, loan.overdue_amount) == (10, _d("120.00"))


def test_an_overpayment_pays_off_the_loan_and_keeps_the_rest_unapplied():
    _loan(_installment(1, "2026-02-01"), _installment(2, "2026-03-01"))

    payments_import(rows=[payment("P1", "500.00")])

    assert Payment.objects.get().unapplied_amount == _d("60.00")
    loan = LoanAccount.objects.get()
    assert (loan.status, loan.closed_on) == (LoanAccount.Status.PAID_OFF, date(2026, 2, 1))


def test_a_reversal_unapplies_the_payment_and_reopens_the_loan():
    # given a loan paid off by one payment
    _loan(_installment(1, "2026-02-01"))
    payments_import(rows=[payment("P1", "220.00")])
    assert LoanAccount.objects.get().status == LoanAccount.Status.PAID_OFF

    # when the payment is returned
    payment_reverse(payment=Payment.objects.get(), reason="returned by the bank")

    # then
    assert _paid(1) == (_d("0.00"),) * 4
    assert Installment.objects.get().settled_on is None
    assert PaymentAllocation.objects.count() == 0
    loan = LoanAccount.objects.get()
    assert (loan.status, loan.closed_on) == (LoanAccount.Status.ACTIVE, None)
    assert Payment.objects.get().status == Payment.Status.REVERSED


def test_after_a_reversal_the_next_payment_takes_the_oldest_open_installment():
    # given the first installment paid by P1, and P2 paying toward the second
    _loan(_installment(1, "2026-02-01"), _installment(2, "2026-03-01"))
    payments_import(rows=[payment("P1", "220.00"), payment("P2", "100.00", at="2026-03-01T15:00:00Z")])

    # when P1 is reversed
    payment_reverse(payment=Payment.objects.get(external_id="P1"))

    # then P2 is reallocated to the first installment
    assert list(PaymentAllocation.objects.values_list("payment__external_id", "installment__seq", "total")) == [
        ("P2", 1, _d("100.00"))
    ]


def test_reversing_twice_changes_nothing_more():
    _loan(_installment(1, "2026-02-01"))
    payments_import(rows=[payment("P1", "220.00")])
    reversed_once = payment_reverse(payment=Payment.objects.get())

    reversed_twice = payment_reverse(payment=Payment.objects.get())

    assert reversed_twice.reversed_at == reversed_once.reversed_at
