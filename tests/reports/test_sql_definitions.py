"""The raw SQL of the reports (``collections_app/reports/sql.py``) gives what the plain definition gives."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from accounts.models import LoanAccount
from collections_app.models import ReportFlowMonth
from collections_app.reports import sql
from collections_app.reports.definitions import dates_in
from collections_app.reports.jobs.ranges import (
    account_ranges,
    portfolio_merge,
    portfolio_part,
    portfolio_questions,
)
from tests.reports import definitions
from tests.reports.book import FIRST_DAY, LAST_DAY
from tests.reports.conftest import MONTH_ENDS

pytestmark = pytest.mark.django_db

CLOSED = ("PAID", "SETTLED", "CO")


def test_the_books_totals_per_product_are_the_active_accounts_and_their_principal_as_of_the_date(book):
    product_of = definitions.products()
    currency_of = dict(LoanAccount.objects.values_list("pk", "currency"))
    for day in [*dates_in(FIRST_DAY, LAST_DAY)[::7], LAST_DAY]:
        expected: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0)])
        for account, state in definitions.states_at(day).items():
            if state.state and state.state not in CLOSED:
                expected[(product_of[account], currency_of[account])][0] += 1
                expected[(product_of[account], currency_of[account])][1] += state.outstanding

        assert sql.book_totals(day) == {p: (n, b) for p, (n, b) in expected.items()}, day


def test_the_accounts_behind_each_cell_are_those_that_moved_between_the_two_month_ends(book):
    product_of = definitions.products()
    for prev, cur in MONTH_ENDS.values():
        before, after = definitions.states_at(prev), definitions.states_at(cur)
        cells = {(s, t) for (_p, s, t) in definitions.transition_matrix(prev, cur)} - {("M0", "M0")}
        for source, target in cells:
            expected = sorted(
                (account, product_of[account], before[account].outstanding,
                 before[account].outstanding if target in CLOSED else after[account].outstanding)
                for account in before
                if before[account].state == source and after[account].state == target
            )
            found = sorted(
                (account, product, balance_prev, balance_to if target not in CLOSED else balance_prev)
                for account, product, _s, _t, balance_prev, balance_to in sql.flow_accounts(
                    prev=prev, cur=cur, current="M0", from_state=source, to_state=target
                )
            )
            assert found == expected, (prev, source, target)


def test_an_account_opened_between_two_month_ends_is_new_and_left_out_of_the_matrix(book):
    prev, cur = MONTH_ENDS[dt.date(2026, 2, 1)]  # NEWBIE opened on 2026-02-12

    new = {row[0] for row in sql.flow_accounts(prev=prev, cur=cur, current="M0", from_state="NEW", to_state="M0")}

    assert new == {book.loans["NEWBIE"].pk}
    assert not ReportFlowMonth.objects.filter(from_state="NEW").exists()


def test_the_book_read_by_account_ranges_and_summed_answers_what_the_whole_book_read_answers(book):
    months = list(MONTH_ENDS)
    questions = portfolio_questions(days=[LAST_DAY], months=months)
    ranges = account_ranges(range_accounts=3)
    assert len(ranges) > 2 and questions["cells"]

    summed = portfolio_merge(questions, [portfolio_part(questions, lo=lo, hi=hi) for lo, hi in ranges])

    for day in questions["totals"]:
        day = dt.date.fromisoformat(day)
        assert summed[("totals", day)] == sql.book_totals(day), day
    for prev, cur, current in questions["cells"]:
        prev, cur = dt.date.fromisoformat(prev), dt.date.fromisoformat(cur)
        whole = sorted(sql.flow_cells(prev=prev, cur=cur, current=current))
        assert summed[("cells", prev, cur, current)] == whole, prev
        with sql.precomputed(summed):  # and the jobs read the sums where they would read the book
            assert sql.flow_cells(prev=prev, cur=cur, current=current) is summed[("cells", prev, cur, current)]
