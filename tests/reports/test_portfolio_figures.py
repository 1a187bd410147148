"""Bucket balances, bucket changes, the roll matrix, cure rates and net flow agree with their definitions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.models import BucketDailyTotal
from collections_app.models import ReportBucketDay, ReportFlowMonth, ReportRollDay
from collections_app.reports import selectors
from collections_app.reports.definitions import bucket_scale, dates_in
from tests.reports import definitions
from tests.reports.book import FIRST_DAY, LAST_DAY
from tests.reports.conftest import MONTH_ENDS

pytestmark = pytest.mark.django_db

WHOLE_RANGE = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY)


def stored_balances(day: dt.date) -> dict[tuple[str, str], tuple[int, Decimal, Decimal]]:
    return {
        (row.product, row.bucket): (row.accounts, row.overdue_amount, row.outstanding_balance)
        for row in ReportBucketDay.objects.filter(date=day)
    }


def stored_matrix(month: dt.date) -> dict[tuple[str, str, str], tuple[int, Decimal, Decimal]]:
    return {
        (row.product, row.from_state, row.to_state): (row.accounts, row.balance_from, row.balance_to)
        for row in ReportFlowMonth.objects.filter(month=month)
    }


def test_bucket_balances_of_every_close_of_business_match_the_definition_to_the_cent(book):
    # Given the lived book (closes of business every day), when the jobs ran, then every date agrees.
    for day in dates_in(FIRST_DAY, LAST_DAY):
        assert stored_balances(day) == definitions.bucket_balances(day), day


def test_bucket_balances_add_up_to_the_book_wide_daily_totals_of_the_close_of_business(book):
    for day in dates_in(FIRST_DAY, LAST_DAY):
        ours = {
            bucket: (accounts, overdue, outstanding)
            for bucket, accounts, overdue, outstanding in ReportBucketDay.objects.filter(date=day)
            .values_list("bucket")
            .annotate(Sum("accounts"), Sum("overdue_amount"), Sum("outstanding_balance"))
            .order_by()
        }
        cob = {
            t.bucket: (t.accounts, t.overdue_amount, t.outstanding_balance)
            for t in BucketDailyTotal.objects.filter(date=day)
        }
        assert ours == cob, day


def test_the_transition_matrix_of_each_month_matches_the_definition_to_the_cent(book):
    for month, (prev, cur) in MONTH_ENDS.items():
        assert stored_matrix(month) == definitions.transition_matrix(prev, cur), month
    assert not ReportFlowMonth.objects.filter(month=dt.date(2026, 1, 1)).exists(), "January has no previous month-end"


def test_the_book_moves_through_every_kind_of_transition_the_matrix_must_show(book):
    # The comparison above only means something if the book rolls, cures, pays off and charges off.
    cells = {key[1:] for month in MONTH_ENDS for key in stored_matrix(month)}

    assert {("M1", "M2"), ("M2", "M3"), ("M2", "M0"), ("M1", "M0"), ("M0", "PAID"), ("M3", "CO"), ("M0", "M1")} <= cells


def test_the_daily_bucket_changes_are_the_accounts_whose_state_changed_since_the_day_before(book):
    product_of = definitions.products()
    for day in dates_in(FIRST_DAY + dt.timedelta(days=1), LAST_DAY):
        before, after = definitions.states_at(day - dt.timedelta(days=1)), definitions.states_at(day)
        expected: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, Decimal("0.00")])
        for account, now in after.items():
            then = before[account].state or "M0"
            if now.state and then != now.state and then not in ("PAID", "SETTLED", "CO"):
                cell = expected[(product_of[account], then, now.state)]
                cell[0] += 1
                cell[1] += now.outstanding
        stored = {
            (row.product, row.from_bucket, row.to_bucket): [row.accounts, row.balance]
            for row in ReportRollDay.objects.filter(date=day)
        }
        assert stored == dict(expected), day


def test_cure_rates_are_the_share_of_each_bucket_that_is_current_a_month_later(book):
    matrices = selectors.flow_matrices(WHOLE_RANGE)
    for month, (prev, cur) in MONTH_ENDS.items():
        plain = definitions.transition_matrix(prev, cur)
        for bucket in ("M1", "M2", "M3"):
            row = [(cell, value) for cell, value in plain.items() if cell[1] == bucket]
            cured = [value for cell, value in row if cell[2] == "M0"]
            accounts_then = sum(value[0] for _cell, value in row)
            balance_then = sum((value[1] for _cell, value in row), Decimal(0))

            count_rate = matrices[month].count_rate(bucket, "M0")
            balance_rate = matrices[month].balance_rate(bucket, "M0")

            assert (count_rate.numerator, count_rate.denominator) == (sum(v[0] for v in cured), accounts_then)
            assert (balance_rate.numerator, balance_rate.denominator) == (
                sum((v[2] for v in cured), Decimal(0)), balance_then
            )
    # Four accounts were in M2 at the end of February (NEVER, PARTIAL, CHARGED, CUREM2); CUREM2 cured.
    assert matrices[dt.date(2026, 3, 1)].count_rate("M2", "M0").value == Decimal("0.25")


def test_the_cure_rate_table_shows_the_count_and_balance_rates_month_by_month(book):
    scale = bucket_scale()
    table = selectors.cure_rate_table(selectors.flow_matrices(WHOLE_RANGE), WHOLE_RANGE, scale)
    keys = [column.key for column in table.columns]
    march = next(row for row in table.rows if row[0].value == dt.date(2026, 3, 1))

    assert march[keys.index("M2_accounts")].value.percent == Decimal("25.00")
    assert "figure=flow" in march[keys.index("M2_accounts")].link
    assert march[keys.index("M1_accounts")].value.value is None  # no account was in M1 at the end of February


def test_net_flow_to_charge_off_is_the_product_of_the_flow_rates_from_current_to_the_last_bucket(book):
    scale = bucket_scale()
    for month, matrix in selectors.flow_matrices(WHOLE_RANGE).items():
        product = Decimal(1)
        for source, target in zip(scale.codes, scale.codes[1:], strict=False):
            rate = matrix.balance_rate(source, target).value
            product = product * rate if rate is not None and product is not None else None
        assert selectors.net_flow(matrix, scale).value == product, month


def test_a_product_filter_keeps_only_that_products_cells(book):
    filters = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY, product="instalment")
    plain = {k: v for k, v in definitions.transition_matrix(*MONTH_ENDS[dt.date(2026, 3, 1)]).items() if k[0] == "instalment"}

    matrix = selectors.flow_matrices(filters)[dt.date(2026, 3, 1)]

    assert {(s, t): (c.accounts, c.balance_from, c.balance_to) for (s, t), c in matrix.cells.items()} == {
        (s, t): value for (_p, s, t), value in plain.items()
    }
