"""A hand-made book for the strategies' tests: accounts placed by hand at a DPD, a bucket and a due date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import LoanAccount
from collections_app.models import Strategy
from tests.factories import BorrowerFactory, loan_with_schedule

TODAY = dt.date(2026, 3, 7)
NOW = dt.datetime(2026, 3, 7, 23, 0, tzinfo=dt.UTC)


def shipped() -> Strategy:
    return Strategy.objects.get(code="standard", active=True)


def account(
    *,
    due_in: int = 10,
    dpd: int = 0,
    bucket: str = "M0",
    language: str = "en",
    country: str = "US",
    balance: str = "1200.00",
    **loan_kwargs: object,
) -> LoanAccount:
    """An account whose earliest unsettled installment falls ``due_in`` days after ``TODAY``."""
    borrower = BorrowerFactory(language=language, country=country)
    return loan_with_schedule(
        first_due=TODAY + dt.timedelta(days=due_in), borrower=borrower, dpd=dpd, bucket=bucket,
        outstanding_balance=Decimal(balance), cob_date=TODAY, **loan_kwargs,
    )  # fmt: skip
