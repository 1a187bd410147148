"""Days past due and buckets on their edges, as COB computes them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import LoanAccount
from accounts.services.payments import PaymentIn, payments_post
from collections_app.services.close import book_close
from tests.factories import loan_with_schedule

pytestmark = pytest.mark.django_db

FEB_1 = dt.date(2026, 2, 1)


def pay(loan: LoanAccount, amount: str, at: str, external_id: str) -> None:
    payments_post(
        items=[
            PaymentIn(
                external_id=external_id,
                loan_external_id=loan.external_id,
                amount=Decimal(amount),
                received_at=dt.datetime.fromisoformat(at),
                channel="borrower",
            )
        ]
    )


def state_on(loan: LoanAccount, day: dt.date) -> tuple[int, str, Decimal]:
    book_close(business_date=day)
    loan.refresh_from_db()
    return loan.dpd, loan.bucket, loan.overdue_amount


def test_an_installment_due_today_is_not_yet_past_due():
    loan = loan_with_schedule(first_due=FEB_1)

    assert state_on(loan, FEB_1) == (0, "M0", Decimal("0.00"))


def test_the_day_after_the_due_date_is_one_day_past_due_in_m1():
    loan = loan_with_schedule(first_due=FEB_1)

    assert state_on(loan, dt.date(2026, 2, 2)) == (1, "M1", Decimal("220.00"))
    assert loan.delinquent_since == dt.date(2026, 2, 2)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M4"), (180, "M6"), (181, "M6+")],
)
def test_bucket_boundaries(days: int, bucket: str):
    loan = loan_with_schedule(first_due=FEB_1, count=1)

    dpd, got, _ = state_on(loan, FEB_1 + dt.timedelta(days=days))

    assert (dpd, got) == (days, bucket)


def test_a_partial_payment_keeps_the_installment_past_due_and_lowers_the_overdue_amount():
    loan = loan_with_schedule(first_due=FEB_1)
    pay(loan, "100.00", "2026-02-05T15:00:00+00:00", "P-partial")

    assert state_on(loan, dt.date(2026, 2, 10)) == (9, "M1", Decimal("120.00"))


def test_a_late_payment_cures_the_account_from_its_value_date():
    loan = loan_with_schedule(first_due=FEB_1)
    assert state_on(loan, dt.date(2026, 2, 10))[0] == 9

    pay(loan, "220.00", "2026-02-11T15:00:00+00:00", "P-late")

    assert state_on(loan, dt.date(2026, 2, 11)) == (0, "M0", Decimal("0.00"))
    assert loan.cases.get().close_reason == "cured"


def test_a_payment_covering_several_installments_clears_all_of_them_oldest_first():
    loan = loan_with_schedule(first_due=FEB_1)
    assert state_on(loan, dt.date(2026, 3, 15)) == (42, "M2", Decimal("440.00"))

    pay(loan, "500.00", "2026-03-15T12:00:00+00:00", "P-big")

    assert state_on(loan, dt.date(2026, 3, 15)) == (0, "M0", Decimal("0.00"))
    third = loan.installments.get(seq=3)
    assert third.total_paid == Decimal("60.00")  # what was left after the first two


def test_when_a_later_installment_is_paid_the_oldest_unpaid_one_sets_the_dpd():
    loan = loan_with_schedule(first_due=FEB_1)
    pay(loan, "220.00", "2026-03-01T12:00:00+00:00", "P-one")  # pays February only

    assert state_on(loan, dt.date(2026, 3, 11)) == (10, "M1", Decimal("220.00"))


def test_a_payment_at_night_in_los_angeles_is_on_time_while_the_same_instant_is_late_in_shanghai():
    # 2026-02-02T05:00Z is 21:00 on 1 February in Los Angeles and 13:00 on 2 February in Shanghai.
    la = loan_with_schedule(first_due=FEB_1, borrower__timezone="America/Los_Angeles")
    sh = loan_with_schedule(first_due=FEB_1, borrower__timezone="Asia/Shanghai", borrower__country="CN")
    pay(la, "220.00", "2026-02-02T05:00:00+00:00", "P-la")
    pay(sh, "220.00", "2026-02-02T05:00:00+00:00", "P-sh")

    book_close(business_date=FEB_1)
    la.refresh_from_db()
    sh.refresh_from_db()
    assert (la.dpd, sh.dpd) == (0, 0)
    assert la.payments.get().value_date == FEB_1
    assert sh.payments.get().value_date == dt.date(2026, 2, 2)
    # The Shanghai borrower was overdue at the close of 1 February; Los Angeles was not.
    assert la.installments.get(seq=1).settled_on == FEB_1
    assert sh.installments.get(seq=1).settled_on == dt.date(2026, 2, 2)


def test_a_loan_paid_off_leaves_collections_as_paid():
    loan = loan_with_schedule(first_due=FEB_1, count=2)
    assert state_on(loan, dt.date(2026, 2, 5))[1] == "M1"

    pay(loan, "440.00", "2026-02-06T12:00:00+00:00", "P-all")
    dpd, bucket, overdue = state_on(loan, dt.date(2026, 2, 6))

    assert (dpd, bucket, overdue) == (0, "PAID", Decimal("0.00"))
    assert loan.status == LoanAccount.Status.PAID_OFF
    assert loan.transitions.get(date=dt.date(2026, 2, 6)).from_bucket == "M1"
    assert loan.cases.get().close_reason == "paid_off"


def test_replaying_history_opens_and_closes_the_case_of_a_loan_paid_off_later():
    loan = loan_with_schedule(first_due=FEB_1, count=2)
    pay(loan, "440.00", "2026-02-20T12:00:00+00:00", "P-later")  # the book as loaded today: paid off

    for day in (dt.date(2026, 2, 5), dt.date(2026, 2, 19), dt.date(2026, 2, 20)):
        book_close(business_date=day)

    case = loan.cases.get()
    assert (case.opened_on, case.closed_on, case.close_reason) == (dt.date(2026, 2, 2), dt.date(2026, 2, 20), "paid_off")


def test_a_loan_charged_off_without_a_date_stays_out_of_the_book_every_night():
    loan = loan_with_schedule(first_due=FEB_1, status="charged_off")

    book_close(business_date=dt.date(2026, 3, 1))
    book_close(business_date=dt.date(2026, 3, 2))

    assert not loan.transitions.exists()
    assert not loan.cases.exists()
