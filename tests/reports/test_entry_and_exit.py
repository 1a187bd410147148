"""Entry rate (入催率) and exit rate (出催率) agree with their definitions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.models import Installment, LoanAccount, PaymentAllocation
from collections_app.models import AssignmentRecord, Case, ReportEntryDay
from collections_app.reports import selectors
from collections_app.reports.definitions import dates_in
from collections_app.reports.jobs.entry_exit import entry_day_aggregate
from tests.reports.book import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

WHOLE_RANGE = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY)


def paid_by(installment: Installment, day: dt.date) -> Decimal:
    return PaymentAllocation.objects.filter(installment=installment, value_date__lte=day).aggregate(
        s=Sum("total")
    )["s"] or Decimal(0)


def plain_entry(day: dt.date) -> dict[str, tuple[int, Decimal, int, Decimal]]:
    """Installments due on ``day`` of loans open that day, and those not fully paid by the next day."""
    rows: dict[str, list] = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
    for installment in Installment.objects.filter(due_date=day).select_related("loan"):
        loan = installment.loan
        if loan.opened_on > day or (loan.status != LoanAccount.Status.ACTIVE and loan.closed_on and loan.closed_on <= day):
            continue
        row = rows[loan.product]
        row[0] += 1
        row[1] += installment.total_due
        if paid_by(installment, day + dt.timedelta(days=1)) < installment.total_due:
            row[2] += 1
            row[3] += installment.total_due
    return {product: tuple(values) for product, values in rows.items()}  # type: ignore[misc]


def test_entry_rows_are_the_installments_due_each_day_and_those_still_unpaid_at_dpd_1(book):
    for day in dates_in(FIRST_DAY, LAST_DAY - dt.timedelta(days=1)):
        stored = {
            row.product: (row.installments_due, row.amount_due, row.installments_entered, row.amount_entered)
            for row in ReportEntryDay.objects.filter(date=day)
        }
        assert stored == plain_entry(day), day
    assert ReportEntryDay.objects.filter(installments_entered__gt=0).exists()
    assert ReportEntryDay.objects.filter(installments_entered=0, installments_due__gt=0).exists()


def test_a_payment_the_day_after_the_due_date_keeps_the_installment_out_of_collections(book):
    # LATE2 paid its March installment on its due date and its February one two days late.
    assert ReportEntryDay.objects.get(date=dt.date(2026, 2, 1), product="cash").installments_entered == 1
    assert ReportEntryDay.objects.get(date=dt.date(2026, 3, 1), product="cash").installments_entered == 0


def test_the_entry_of_the_last_day_waits_for_the_next_close_of_business(book):
    written = entry_day_aggregate(day=LAST_DAY)

    assert written == 0
    assert not ReportEntryDay.objects.filter(date=LAST_DAY).exists()


def test_the_monthly_entry_rate_is_unpaid_at_dpd_1_over_due_by_count_and_by_amount(book):
    table, _chart = selectors.entry_table(WHOLE_RANGE)
    keys = [column.key for column in table.columns]
    for row in table.rows:
        month = row[0].value
        days = [d for d in dates_in(month, min(LAST_DAY - dt.timedelta(days=1), month.replace(day=28) + dt.timedelta(days=3))) if d.month == month.month]
        plain = [value for d in days for value in plain_entry(d).values()]
        due, amount_due = sum(v[0] for v in plain), sum((v[1] for v in plain), Decimal(0))
        entered, amount_entered = sum(v[2] for v in plain), sum((v[3] for v in plain), Decimal(0))

        assert (row[keys.index("rate")].value.numerator, row[keys.index("rate")].value.denominator) == (entered, due)
        assert (row[keys.index("amount_rate")].value.numerator, row[keys.index("amount_rate")].value.denominator) == (
            amount_entered, amount_due
        )


def test_the_exit_rate_is_cases_cured_or_paid_off_over_cases_opened_month_by_month(book):
    table, _chart = selectors.exit_table(WHOLE_RANGE)
    keys = [column.key for column in table.columns]
    assert len(table.rows) == 4
    for row in table.rows:
        month = row[0].value
        in_month = {"opened_on__year": month.year, "opened_on__month": month.month}
        closed = Case.objects.filter(closed_on__year=month.year, closed_on__month=month.month)
        opened = Case.objects.filter(**in_month).count()
        resolved = closed.filter(close_reason__in=[Case.CloseReason.CURED, Case.CloseReason.PAID_OFF]).count()

        rate = row[keys.index("rate")].value
        assert (rate.numerator, rate.denominator) == (resolved, opened), month
        assert row[keys.index("charged_off")].value == closed.filter(close_reason=Case.CloseReason.CHARGED_OFF).count()
    assert sum(row[keys.index("cured")].value for row in table.rows) == 4


def test_for_a_team_the_exit_rate_counts_the_cases_assigned_into_it(book):
    early = book.agents["ann"].team
    filters = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY, team_id=early.pk)

    table, _chart = selectors.exit_table(filters)

    keys = [column.key for column in table.columns]
    for row in table.rows:
        month = row[0].value
        assigned = AssignmentRecord.objects.filter(to_team=early, at__year=month.year, at__month=month.month).count()
        closed = Case.objects.filter(team=early, closed_on__year=month.year, closed_on__month=month.month)
        resolved = closed.filter(close_reason__in=[Case.CloseReason.CURED, Case.CloseReason.PAID_OFF]).count()
        rate = row[keys.index("rate")].value
        assert (rate.numerator, rate.denominator) == (resolved, assigned), month
    assert any(row[keys.index("entered")].value for row in table.rows)
