"""Entry into collections (入催率) and exit from it (出催率).

Entry, per due date D and product: installments due on D of accounts open on D; of those, the
ones not fully paid at DPD 1, i.e. not settled by the close of business of D + 1 (``settled_on``
empty or after D + 1): exactly the installments that open a case or keep one open. Counted in
installments and in their total due. Observable once D + 1 has closed.

Exit, per date, product and the team holding the case (``Case.team``, kept after closing): cases
opened on the date, assignments into a team on the date (``AssignmentRecord.at`` in the book's
calendar), and cases closed on the date by reason. Exit rate of a period = (cured + paid off) /
cases opened in it; for a team, / cases assigned into the team in it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum

from accounts.calendar import day_bounds
from accounts.models import ZERO, Installment
from collections_app.models import AssignmentRecord, Case, ReportEntryDay, ReportExitDay

from ..definitions import TOTAL_DUE, latest_cob
from .rows import rows_replace


def entry_observable(day: dt.date) -> bool:
    latest = latest_cob()
    return latest is not None and day + dt.timedelta(days=1) <= latest


def entry_day_aggregate(*, day: dt.date) -> int:
    """Replace the entry rows of due date ``day``; nothing until ``day`` + 1 has closed."""
    if not entry_observable(day):
        return 0
    unpaid_at_dpd1 = Q(settled_on__isnull=True) | Q(settled_on__gt=day + dt.timedelta(days=1))
    closed_by_then = ~Q(loan__status="active") & Q(loan__closed_on__isnull=False) & Q(loan__closed_on__lte=day)
    groups = (
        Installment.objects.filter(due_date=day, loan__opened_on__lte=day)
        .exclude(closed_by_then)
        .values_list("loan__product", "loan__currency")
        .annotate(
            due=Count("pk"),
            amount_due=Sum(TOTAL_DUE),
            entered=Count("pk", filter=unpaid_at_dpd1),
            amount_entered=Sum(TOTAL_DUE, filter=unpaid_at_dpd1),
        )
        .order_by("loan__product", "loan__currency")
    )
    return rows_replace(
        ReportEntryDay,
        where={"date": day},
        rows=(
            ReportEntryDay(
                date=day, product=product, currency=currency, installments_due=due, amount_due=amount_due or ZERO,
                installments_entered=entered, amount_entered=amount_entered or ZERO,
            )
            for product, currency, due, amount_due, entered, amount_entered in groups
        ),
    )


CLOSE_FIELDS = {
    Case.CloseReason.CURED: "cases_cured",
    Case.CloseReason.PAID_OFF: "cases_paid_off",
    Case.CloseReason.SETTLED: "cases_settled",
    Case.CloseReason.CHARGED_OFF: "cases_charged_off",
}
EXIT_FIELDS = ("cases_entered", "cases_assigned_in", *CLOSE_FIELDS.values())


def exit_day_aggregate(*, day: dt.date) -> int:
    """Replace the exit rows of ``day``: cases opened, assigned into teams and closed that day."""
    latest = latest_cob()
    if latest is None or day > latest:
        return 0
    figures: dict[tuple[str, str, int | None], dict[str, int]] = defaultdict(lambda: dict.fromkeys(EXIT_FIELDS, 0))
    opened = (
        Case.objects.filter(opened_on=day)
        .values_list("account__product", "account__currency", "team_id")
        .annotate(n=Count("pk"))
    )
    for product, currency, team_id, count in opened.order_by():
        figures[(product, currency, team_id)]["cases_entered"] += count
    closed = (
        Case.objects.filter(closed_on=day)
        .values_list("account__product", "account__currency", "team_id", "close_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for product, currency, team_id, reason, count in closed:
        if reason in CLOSE_FIELDS:
            figures[(product, currency, team_id)][CLOSE_FIELDS[reason]] += count
    start, end = day_bounds(day)
    assigned = (
        AssignmentRecord.objects.filter(at__gte=start, at__lt=end, to_team__isnull=False)
        .values_list("case__account__product", "case__account__currency", "to_team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for product, currency, team_id, count in assigned:
        figures[(product, currency, team_id)]["cases_assigned_in"] += count
    return rows_replace(
        ReportExitDay,
        where={"date": day},
        rows=(
            ReportExitDay(date=day, product=product, currency=currency, team_id=team_id, **values)
            for (product, currency, team_id), values in sorted(
                figures.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
            )
        ),
    )
