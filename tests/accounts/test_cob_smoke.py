from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import BucketDailyTotal, BucketTransition, DelinquencySnapshot, LoanAccount
from accounts.services.cob import cob_run
from tests.factories import loan_with_schedule

pytestmark = pytest.mark.django_db


def test_an_unpaid_installment_makes_the_account_delinquent_from_the_day_after_its_due_date():
    loan = loan_with_schedule(first_due=dt.date(2026, 2, 1))

    cob_run(business_date=dt.date(2026, 2, 1))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (0, "M0")

    cob_run(business_date=dt.date(2026, 3, 3))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (30, "M1")
    assert loan.overdue_amount == Decimal("440.00")  # February and March installments
    assert loan.delinquent_since == dt.date(2026, 2, 2)
    assert BucketTransition.objects.get(account=loan).to_bucket == "M1"
    assert DelinquencySnapshot.objects.filter(account=loan).count() == 1
    assert BucketDailyTotal.objects.get(date=dt.date(2026, 3, 3), bucket="M1").accounts == 1
    assert LoanAccount.objects.get().cases.get().status == "open"
