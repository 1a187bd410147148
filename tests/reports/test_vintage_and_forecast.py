"""Vintage points and the Markov loss forecast agree with their definitions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, localcontext

import pytest

from accounts.models import LoanAccount
from collections_app.models import ReportForecastBalance, ReportForecastMatrix, ReportVintage
from collections_app.reports.definitions import months_on_book
from tests.reports import definitions
from tests.reports.book import MONTH_ENDS
from tests.reports.conftest import MONTH_ENDS as MATRIX_MONTHS

pytestmark = pytest.mark.django_db

STATES = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M6+", "PAID")
LOSS = {"CO": "M6+", "SETTLED": "PAID"}
APRIL = dt.date(2026, 4, 1)


def test_each_vintage_point_is_the_cohorts_m2_plus_balance_over_its_disbursed_principal(book):
    for as_of in MONTH_ENDS:
        month = as_of.replace(day=1)
        states = definitions.states_at(as_of)
        expected: dict[tuple[dt.date, str], list] = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0), 0])
        for loan in LoanAccount.objects.filter(opened_on__lte=as_of):
            point = expected[(loan.opened_on.replace(day=1), loan.product)]
            point[0] += 1
            point[1] += loan.principal
            if states[loan.pk].state in ("M2", "M3", "M4", "M5", "M6", "M6+"):
                point[2] += 1
                point[3] += states[loan.pk].outstanding
            if states[loan.pk].state == "CO":
                point[4] += 1
        stored = {
            (row.cohort, row.product): [row.loans, row.disbursed, row.accounts_m2plus, row.balance_m2plus,
                                        row.accounts_charged_off]
            for row in ReportVintage.objects.filter(month=month)
        }
        assert stored == dict(expected), as_of
        assert {row.months_on_book for row in ReportVintage.objects.filter(month=month, cohort=dt.date(2025, 12, 1))} == {
            months_on_book(dt.date(2025, 12, 1), month)
        }
    assert ReportVintage.objects.filter(balance_m2plus__gt=0).exists()


def monthly_shares(prev: dt.date, cur: dt.date) -> dict[str, dict[str, Decimal]]:
    """Per source state, the share of its balance at ``prev`` that went to each state (CO as M6+)."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (_product, source, target), (_count, balance_from, _to) in definitions.transition_matrix(prev, cur).items():
        sums[LOSS.get(source, source)][LOSS.get(target, target)] += balance_from
    with localcontext() as context:
        context.prec = 60
        return {
            source: {target: value / sum(targets.values()) for target, value in targets.items()}
            for source, targets in sums.items()
            if sum(targets.values()) > 0
        }


def test_the_forecast_matrix_is_the_rounded_average_of_the_last_three_months_shares(book):
    months = [monthly_shares(*MATRIX_MONTHS[m]) for m in sorted(MATRIX_MONTHS)]
    stored = {
        (row.from_state, row.to_state): row.probability
        for row in ReportForecastMatrix.objects.filter(month=APRIL, product="")
    }

    for source in STATES:
        seen = [shares[source] for shares in months if source in shares]
        assert sum(stored[(source, target)] for target in STATES) == Decimal(1), source
        for target in STATES:
            if source == "PAID" or not seen:
                expected = Decimal(1) if target == source else Decimal(0)
            else:
                with localcontext() as context:
                    context.prec = 60
                    expected = sum((shares.get(target, Decimal(0)) for shares in seen), Decimal(0)) / len(seen)
            # Six decimals, the rounding remainder of the row on its largest entry.
            assert abs(stored[(source, target)] - expected) <= Decimal("0.000002"), (source, target)
    assert stored[("M2", "M0")] > 0 and stored[("M0", "PAID")] > 0


def test_projected_balances_are_the_month_end_balances_times_the_matrix_to_the_power_n(book):
    matrix = {
        (row.from_state, row.to_state): row.probability
        for row in ReportForecastMatrix.objects.filter(month=APRIL, product="")
    }
    start = {state: Decimal(0) for state in STATES}
    for (_product, bucket), (_count, _overdue, outstanding) in definitions.bucket_balances(dt.date(2026, 4, 30)).items():
        start[bucket] += outstanding
    stored = defaultdict(dict)
    for row in ReportForecastBalance.objects.filter(month=APRIL, product=""):
        stored[row.step][row.state] = row.balance

    balances = dict(start)
    with localcontext() as context:
        context.prec = 60
        for step in range(7):
            assert stored[step] == {s: balances[s].quantize(Decimal("0.01")) for s in STATES}, step
            balances = {t: sum((balances[s] * matrix[(s, t)] for s in STATES), Decimal(0)) for t in STATES}
    # Money is neither made nor lost by the chain: each step holds the starting total.
    assert abs(sum(stored[6].values()) - sum(start.values())) <= Decimal("0.05")


def test_a_forecast_is_made_for_the_book_and_for_each_product(book):
    products = set(ReportForecastMatrix.objects.filter(month=APRIL).values_list("product", flat=True))

    assert products == {"", "cash", "instalment"}
