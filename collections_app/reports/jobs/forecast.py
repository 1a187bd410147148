"""Loss forecast: a Markov chain over {M0..M6, M6+, PAID} (DESIGN.md section 9).

P is the trailing average of the monthly transition matrices of the last ``WINDOW`` months
(``ReportFlowMonth``): for each month, P_m[k][j] = balance at the previous month-end of the
accounts that went from k to j / balance of k at the previous month-end (a share of k's balance,
so every row sums to 1, as a Markov chain needs); P[k] is the mean of P_m[k] over the months in
which k held any balance; a row never seen stays where it is. Charged off (CO) counts as the
worst bucket (the loss state), settled as paid off; PAID is absorbing. Probabilities are rounded
to six decimals with the rounding remainder put on the row's largest entry, so each row sums to
exactly 1 and the matrix shown is the one used.

B(t) is the outstanding principal per bucket at the month-end (``ReportBucketDay``), PAID at
zero; B(t + n) = B(t) P^n for n = 1..6, computed in Decimal at 60 digits from the rounded P and
rounded to cents only when stored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, localcontext

from collections_app.models import (
    ReportBucketDay,
    ReportFlowMonth,
    ReportForecastBalance,
    ReportForecastMatrix,
)

from ..definitions import PAID, BucketScale, bucket_scale, forecast_states, month_end_cob, months_between
from .portfolio import bucket_day_aggregate
from .rows import rows_replace

WINDOW = 3
HORIZON = 6
ONE = Decimal(1)
PROBABILITY = Decimal("0.000001")
CENT = Decimal("0.01")

Matrix = dict[str, dict[str, Decimal]]


def forecast_state(state: str, scale: BucketScale) -> str:
    return {"CO": scale.worst, "SETTLED": PAID, "PAID": PAID}.get(state, state)


def window_months(month: dt.date) -> list[dt.date]:
    first = month
    for _ in range(WINDOW - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months_between(first, month)


def monthly_matrices(
    rows: list[tuple[dt.date, str, str, Decimal]], scale: BucketScale
) -> dict[dt.date, Matrix]:
    """Row-normalised balance shares per month from (month, from, to, balance at the previous month-end)."""
    sums: dict[dt.date, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    for month, source, target, balance in rows:
        sums[month][forecast_state(source, scale)][forecast_state(target, scale)] += balance
    matrices: dict[dt.date, Matrix] = {}
    for month, by_source in sums.items():
        matrices[month] = {}
        for source, targets in by_source.items():
            total = sum(targets.values(), Decimal(0))
            if total > 0:
                matrices[month][source] = {target: value / total for target, value in targets.items()}
    return matrices


def average_matrix(matrices: list[Matrix], scale: BucketScale) -> tuple[Matrix, int]:
    """The rounded trailing-average matrix (rows summing to exactly 1) and how many months fed it."""
    states = forecast_states(scale)
    result: Matrix = {}
    with localcontext() as context:
        context.prec = 60
        for source in states:
            seen = [matrix[source] for matrix in matrices if source in matrix]
            if source == PAID or not seen:
                row = {target: (ONE if target == source else Decimal(0)) for target in states}
            else:
                row = {
                    target: sum((shares.get(target, Decimal(0)) for shares in seen), Decimal(0)) / len(seen)
                    for target in states
                }
            rounded = {target: value.quantize(PROBABILITY) for target, value in row.items()}
            largest = max(states, key=lambda target: (rounded[target], target == source))
            rounded[largest] += ONE - sum(rounded.values(), Decimal(0))
            result[source] = rounded
    return result, len(matrices)


def project(start: dict[str, Decimal], matrix: Matrix, states: tuple[str, ...], steps: int) -> list[dict[str, Decimal]]:
    """[B(t), B(t+1), ..., B(t+steps)], unrounded (60 significant digits)."""
    balances = [dict(start)]
    with localcontext() as context:
        context.prec = 60
        for _ in range(steps):
            previous = balances[-1]
            balances.append(
                {
                    target: sum((previous[source] * matrix[source][target] for source in states), Decimal(0))
                    for target in states
                }
            )
    return balances


def forecast_month_aggregate(*, month: dt.date) -> int:
    """Replace the forecast made at the month-end of ``month``, for the book and for each product."""
    scale = bucket_scale()
    states = forecast_states(scale)
    as_of = month_end_cob(month)
    matrix_rows: list[ReportForecastMatrix] = []
    balance_rows: list[ReportForecastBalance] = []
    flows = list(
        ReportFlowMonth.objects.filter(month__in=window_months(month)).values_list(
            "month", "product", "currency", "from_state", "to_state", "balance_from"
        )
    )
    if as_of is not None and flows:
        if not ReportBucketDay.objects.filter(date=as_of).exists():
            bucket_day_aggregate(day=as_of)
        # (product or "" for the whole book, currency): a forecast per currency, never across them.
        starting: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(states, Decimal(0)))
        for product, currency, bucket, balance in ReportBucketDay.objects.filter(date=as_of).values_list(
            "product", "currency", "bucket", "outstanding_balance"
        ):
            for key in ("", product):
                if bucket in starting[(key, currency)]:
                    starting[(key, currency)][bucket] += balance
        books = sorted({("", currency) for _m, _p, currency, *_rest in flows} | {(p, c) for _m, p, c, *_rest in flows})
        for product, currency in books:
            rows = [
                (m, source, target, balance)
                for m, p, c, source, target, balance in flows
                if c == currency and product in ("", p)
            ]
            monthly = monthly_matrices(rows, scale)
            matrix, used = average_matrix([monthly[m] for m in sorted(monthly)], scale)
            matrix_rows += [
                ReportForecastMatrix(
                    month=month, product=product, currency=currency, from_state=source, to_state=target,
                    probability=matrix[source][target], months_used=used,
                )
                for source in states
                for target in states
            ]
            for step, balances in enumerate(project(starting[(product, currency)], matrix, states, HORIZON)):
                balance_rows += [
                    ReportForecastBalance(
                        month=month, product=product, currency=currency, step=step, state=state,
                        balance=balances[state].quantize(CENT),
                    )
                    for state in states
                ]
    written = rows_replace(ReportForecastMatrix, where={"month": month}, rows=matrix_rows)
    return written + rows_replace(ReportForecastBalance, where={"month": month}, rows=balance_rows)
