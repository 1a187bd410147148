"""What the COB fault and chord tests compare (``cob_results``) reads the same rows the same way,
whatever order they lie in their tables: PostgreSQL returns rows equal in the ORDER BY in the order it
meets them, and a close run twice (two dispatches, a retry) rewrites its rows in another order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import BucketDailyTotal
from tests.integration.test_faults_cob_worker import cob_results

DAY = dt.date(2026, 3, 11)


def total(currency: str, accounts: int) -> BucketDailyTotal:
    return BucketDailyTotal(
        date=DAY, bucket="M1", currency=currency, accounts=accounts,
        overdue_amount=Decimal(accounts * 100), outstanding_balance=Decimal(accounts * 1000),
    )  # fmt: skip


@pytest.mark.django_db
def test_the_totals_of_a_bucket_in_two_currencies_read_the_same_after_they_are_written_again() -> None:
    # Given a date's totals of bucket M1 in dollars and in yuan, written dollars first
    BucketDailyTotal.objects.bulk_create([total("USD", 3), total("CNY", 5)])
    first = cob_results()["totals"]

    # When the dollars' row is written again (it now lies after the yuan's)
    BucketDailyTotal.objects.filter(currency="USD").delete()
    BucketDailyTotal.objects.bulk_create([total("USD", 3)])

    # Then the totals read the same, each with its currency
    assert cob_results()["totals"] == first
    assert [row[2] for row in first] == ["CNY", "USD"]
