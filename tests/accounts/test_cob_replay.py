"""COB is a function of the book and the date: re-running or replaying gives the same rows."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from accounts.models import BucketDailyTotal, BucketTransition, DelinquencySnapshot, Installment, LoanAccount
from accounts.services.payments import PaymentIn, payments_post
from collections_app.services.close import book_close
from tests.factories import loan_with_schedule

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 5)


def rows(model, day: dt.date) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(model.objects.filter(date=day).values_list(*fields))


def everything(day: dt.date) -> tuple:
    return rows(DelinquencySnapshot, day), rows(BucketTransition, day), rows(BucketDailyTotal, day)


def random_book(seed: int, loans: int = 40) -> list[LoanAccount]:
    rng = random.Random(seed)
    book = []
    for n in range(loans):
        loan = loan_with_schedule(first_due=START + dt.timedelta(days=rng.randint(0, 40)), count=4)
        book.append(loan)
        items = []
        for k in range(rng.randint(0, 4)):
            when = dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC) + dt.timedelta(days=rng.randint(0, 100))
            amount = Decimal(rng.choice(["220.00", "100.00", "440.00", "50.00"]))
            items.append(PaymentIn(f"P{n}-{k}", loan.external_id, amount, when, "auto_debit"))
        if items:
            payments_post(items=items)
    return book


def test_running_cob_twice_for_a_date_gives_identical_rows():
    random_book(seed=1)
    day = dt.date(2026, 3, 10)
    book_close(business_date=day)
    first = everything(day)

    book_close(business_date=day)

    assert everything(day) == first
    assert first[0], "the book must have delinquent accounts for this test to mean anything"


def test_replaying_a_past_date_after_later_days_and_payments_gives_the_first_result():
    book = random_book(seed=2)
    past = dt.date(2026, 3, 1)
    book_close(business_date=past)
    first = everything(past)
    accounts_after_first = sorted(LoanAccount.objects.values_list("pk", "dpd", "bucket"))
    payments_post(
        items=[
            PaymentIn("late-1", book[0].external_id, Decimal("880.00"), dt.datetime(2026, 4, 2, tzinfo=dt.UTC), "borrower")
        ]
    )
    book_close(business_date=dt.date(2026, 4, 5))

    book_close(business_date=past)

    assert everything(past) == first
    # The accounts keep the latest date's state: replaying the past does not rewind today.
    assert sorted(LoanAccount.objects.values_list("pk", "dpd", "bucket")) != accounts_after_first


def plain_definition(loan: LoanAccount, day: dt.date) -> tuple[int, Decimal]:
    """DPD and overdue as DESIGN.md section 3 defines them, installment by installment."""
    unpaid_due_dates = []
    overdue = Decimal("0.00")
    for inst in Installment.objects.filter(loan=loan):
        paid = sum((a.total for a in inst.allocations.filter(value_date__lte=day)), Decimal("0.00"))
        if inst.due_date < day:
            overdue += inst.total_due - paid
            if paid < inst.total_due:
                unpaid_due_dates.append(inst.due_date)
    dpd = (day - min(unpaid_due_dates)).days if unpaid_due_dates else 0
    return dpd, overdue


@pytest.mark.parametrize("day", [dt.date(2026, 2, 14), dt.date(2026, 3, 31), dt.date(2026, 5, 20)])
def test_the_cob_sql_agrees_with_the_plain_definition_on_a_random_book(day: dt.date):
    book = random_book(seed=3)
    book_close(business_date=dt.date(2026, 6, 30))  # the latest date first: replays take the slow path

    book_close(business_date=day)

    snapshots = {s.account_id: s for s in DelinquencySnapshot.objects.filter(date=day)}
    for loan in book:
        dpd, overdue = plain_definition(loan, day)
        snap = snapshots.get(loan.pk)
        if loan.opened_on > day:
            continue
        if dpd == 0:
            assert snap is None or snap.dpd == 0, loan
        else:
            assert (snap.dpd, snap.overdue_amount) == (dpd, overdue), loan
