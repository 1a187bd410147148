"""Portfolio flows: bucket balances per day, daily bucket changes, month-over-month transition matrices.

Bucket balances (per COB date D and product): the delinquent buckets straight from D's snapshots
(every active account with DPD > 0 is in them); the current bucket (M0) is the book's active
total at D minus the delinquent buckets, so no snapshot of the current accounts is needed. The
overdue amount of the current bucket is that of its snapshotted accounts (the others owe nothing
past due).

Transition matrix (per month and product): the state of every account at the previous month-end
and at this one, both being the last COB date of their month. The state is the snapshot's
bucket if the account is in that date's snapshot, else its closed code (PAID / SETTLED / CO) if
it closed by then, else M0. Only accounts that can have moved are looked at (the movers of
``sql.ALL_MOVERS``); the M0 -> M0 cell is the current bucket's total at the previous month-end
minus every other cell of the M0 row (count and balance at the previous month-end), and for the
balance at the month-end the current bucket's total minus what came into M0 from elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from accounts.models import ZERO, BucketTransition, DelinquencySnapshot
from collections_app.models import ReportBucketDay, ReportFlowMonth, ReportRollDay

from .. import sql
from ..definitions import BucketScale, bucket_scale, cob_done, month_end_cob, previous_month_end_cob
from .rows import rows_replace


def bucket_day_compute(day: dt.date, scale: BucketScale) -> list[ReportBucketDay]:
    """The bucket balance rows of a COB date (not saved), per product and currency."""
    totals = sql.book_totals(day)
    delinquent = (
        DelinquencySnapshot.objects.filter(date=day, status="active")
        .values_list("account__product", "account__currency", "bucket")
        .annotate(accounts=Count("pk"), overdue=Sum("overdue_amount"), outstanding=Sum("outstanding_balance"))
    )
    rows: dict[tuple[str, str, str], list] = {}
    for product, currency, bucket, accounts, overdue, outstanding in delinquent:
        rows[(product, currency, bucket)] = [accounts, overdue or ZERO, outstanding or ZERO]
    for (product, currency), (accounts, outstanding) in totals.items():
        others = [v for (p, c, b), v in rows.items() if (p, c) == (product, currency) and b != scale.current]
        current = rows.setdefault((product, currency, scale.current), [0, ZERO, ZERO])
        current[0] = accounts - sum(value[0] for value in others)
        current[2] = outstanding - sum((value[2] for value in others), ZERO)
    return [
        ReportBucketDay(
            date=day, product=product, currency=currency, bucket=bucket, accounts=accounts,
            overdue_amount=Decimal(overdue).quantize(Decimal("0.01")),
            outstanding_balance=Decimal(outstanding).quantize(Decimal("0.01")),
        )
        for (product, currency, bucket), (accounts, overdue, outstanding) in sorted(rows.items())
        if accounts
    ]


def bucket_day_aggregate(*, day: dt.date) -> int:
    """Replace the bucket balances of COB date ``day``; nothing when that COB has not run."""
    if not cob_done(day):
        return 0
    return rows_replace(ReportBucketDay, where={"date": day}, rows=bucket_day_compute(day, bucket_scale()))


def roll_day_aggregate(*, day: dt.date) -> int:
    """Replace the bucket changes of COB date ``day`` (its ``BucketTransition`` rows, grouped)."""
    if not cob_done(day):
        return 0
    groups = (
        BucketTransition.objects.filter(date=day)
        .values_list("account__product", "account__currency", "from_bucket", "to_bucket")
        .annotate(accounts=Count("pk"), balance=Sum("balance"), overdue=Sum("overdue_amount"))
        .order_by("account__product", "account__currency", "from_bucket", "to_bucket")
    )
    return rows_replace(
        ReportRollDay,
        where={"date": day},
        rows=(
            ReportRollDay(
                date=day, product=product, currency=currency, from_bucket=source, to_bucket=target,
                accounts=accounts, balance=balance or ZERO, overdue_amount=overdue or ZERO,
            )
            for product, currency, source, target, accounts, balance, overdue in groups
        ),
    )


def flow_month_compute(month: dt.date, scale: BucketScale) -> list[ReportFlowMonth]:
    """The transition matrix rows of ``month`` (not saved); none without two month-ends."""
    cur, prev = month_end_cob(month), previous_month_end_cob(month)
    if cur is None or prev is None:
        return []
    current = scale.current
    cells = sql.flow_cells(prev=prev, cur=cur, current=current)
    before = {(r.product, r.currency): r for r in bucket_day_compute(prev, scale) if r.bucket == current}
    after = {(r.product, r.currency): r for r in bucket_day_compute(cur, scale) if r.bucket == current}

    Book = tuple[str, str]  # (product, currency)
    explicit: dict[tuple[str, str, str, str], tuple[int, Decimal, Decimal]] = {}
    leaving_m0: dict[Book, list] = defaultdict(lambda: [0, ZERO])  # [accounts, balance at prev]
    into_m0: dict[Book, Decimal] = defaultdict(lambda: ZERO)  # balance at cur, from elsewhere
    for product, currency, source, target, accounts, balance_from, balance_to in cells:
        book = (product, currency)
        if source == current and target == current:
            continue  # derived below from the totals
        if target == current:
            into_m0[book] += balance_to
        if source == current:
            leaving_m0[book][0] += accounts
            leaving_m0[book][1] += balance_from
        if source != "NEW":
            explicit[(product, currency, source, target)] = (accounts, balance_from, balance_to)

    for book in sorted(set(before) | set(after)):
        start, end = before.get(book), after.get(book)
        accounts = (start.accounts if start else 0) - leaving_m0[book][0]
        balance_from = (start.outstanding_balance if start else ZERO) - leaving_m0[book][1]
        balance_to = (end.outstanding_balance if end else ZERO) - into_m0[book]
        if accounts:
            explicit[(*book, current, current)] = (accounts, balance_from, balance_to)

    return [
        ReportFlowMonth(
            month=month, as_of=cur, previous_as_of=prev, product=product, currency=currency,
            from_state=source, to_state=target, accounts=accounts, balance_from=balance_from, balance_to=balance_to,
        )
        for (product, currency, source, target), (accounts, balance_from, balance_to) in sorted(explicit.items())
    ]


def flow_month_aggregate(*, month: dt.date) -> int:
    """Replace the transition matrix of ``month`` (first day of the month)."""
    return rows_replace(ReportFlowMonth, where={"month": month}, rows=flow_month_compute(month, bucket_scale()))
