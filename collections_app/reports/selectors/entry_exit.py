"""Entry (入催) and exit (出催) reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO
from collections_app.models import (
    ReportEntryDay,
    ReportExitDay,
)

from ..tables import COUNT, MONEY, MONTH, RATE, Cell, Column, Rate, Table, drill
from .scope import DEFINITIONS, Chart, ReportFilters, percent_text, product_rows, rate_chart


def entry_table(filters: ReportFilters) -> tuple[Table, Chart]:
    rows = list(
        product_rows(ReportEntryDay.objects.filter(date__range=(filters.first, filters.last)), filters)
        .annotate(month=TruncMonth("date"))
        .values_list("month", "date")
        .annotate(
            due=Sum("installments_due"), entered=Sum("installments_entered"),
            amount_due=Sum("amount_due"), amount_entered=Sum("amount_entered"),
        )
        .order_by("date")
    )
    table = Table(
        "entry-rates",
        _("Entry rate (入催率)"),
        [
            Column("month", _("Month"), MONTH),
            Column("due", _("Installments due"), COUNT),
            Column("entered", _("Unpaid at DPD 1"), COUNT),
            Column("rate", _("Entry rate"), RATE, DEFINITIONS["entry"]),
            Column("amount_due", _("Amount due"), MONEY),
            Column("amount_entered", _("Amount unpaid at DPD 1"), MONEY),
            Column("amount_rate", _("Entry rate (amount)"), RATE, DEFINITIONS["entry"]),
        ],
        note=DEFINITIONS["entry"],
    )
    months: dict[dt.date, list[Any]] = {}
    for month, _day, due, entered, amount_due, amount_entered in rows:
        month = _as_date(month)
        sums = months.setdefault(month, [0, 0, ZERO, ZERO])
        sums[0] += due
        sums[1] += entered
        sums[2] += amount_due
        sums[3] += amount_entered
    for month, (due, entered, amount_due, amount_entered) in months.items():
        last_day = min(filters.last, (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
        link = drill(
            "entry", first=max(month, filters.first), last=last_day, product=filters.product, currency=filters.currency
        )
        table.add(month, due, Cell(entered, link), Rate(entered, due), amount_due, amount_entered, Rate(amount_entered, amount_due))
    chart = Chart(
        "entry-chart", "line",
        [day.isoformat() for _m, day, *_rest in rows],
        [{"label": str(_("Entry rate")), "data": [percent_text(Rate(entered, due)) for _m, _d, due, entered, *_x in rows]}],
        percent=True,
    )
    return table, chart


def exit_table(filters: ReportFilters) -> tuple[Table, Chart]:
    queryset = product_rows(ReportExitDay.objects.filter(date__range=(filters.first, filters.last)), filters)
    if filters.team_id:
        queryset = queryset.filter(team_id=filters.team_id)
    elif filters.team_ids is not None:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    rows = (
        queryset.annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(
            entered=Sum("cases_entered"), assigned=Sum("cases_assigned_in"), cured=Sum("cases_cured"),
            paid_off=Sum("cases_paid_off"), settled=Sum("cases_settled"), charged_off=Sum("cases_charged_off"),
        )
        .order_by("month")
    )
    by_team = bool(filters.team_id)
    table = Table(
        "exit-rates",
        _("Exit rate (出催率)"),
        [
            Column("month", _("Month"), MONTH),
            Column("entered", _("Cases assigned to the team") if by_team else _("Cases opened"), COUNT),
            Column("cured", _("Cured"), COUNT),
            Column("paid_off", _("Paid off"), COUNT),
            Column("settled", _("Settled"), COUNT),
            Column("charged_off", _("Charged off"), COUNT),
            Column("rate", _("Exit rate"), RATE, DEFINITIONS["exit"]),
        ],
        note=DEFINITIONS["exit"],
    )
    for month, entered, assigned, cured, paid_off, settled, charged_off in rows:
        month = _as_date(month)
        last_day = min(filters.last, (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
        span = {
            "first": max(month, filters.first), "last": last_day, "product": filters.product, "team": filters.team_id,
            "currency": filters.currency,
        }
        base = assigned if by_team else entered
        table.add(
            month,
            Cell(base, drill("exit", reason="assigned" if by_team else "opened", **span)),
            Cell(cured, drill("exit", reason="cured", **span)),
            Cell(paid_off, drill("exit", reason="paid_off", **span)),
            Cell(settled, drill("exit", reason="settled", **span)),
            Cell(charged_off, drill("exit", reason="charged_off", **span)),
            Rate(cured + paid_off, base),
        )
    return table, rate_chart("exit-chart", table, ["rate"])


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
