"""Vintage and loss forecast reads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO
from collections_app.models import (
    ReportForecastBalance,
    ReportForecastMatrix,
    ReportVintage,
)
from collections_app.reports.definitions import (
    CLOSED_STATES,
    PAID,
    BucketScale,
    bucket_scale,
    forecast_states,
    month_start,
)

from ..tables import COUNT, MONEY, MONTH, RATE, Cell, Column, Rate, Table, drill
from .scope import DEFINITIONS, Chart, ReportFilters, percent_text, product_rows


def vintage_table(filters: ReportFilters) -> tuple[Table, Chart]:
    rows = list(
        product_rows(ReportVintage.objects.filter(month__lte=month_start(filters.last)), filters)
        .values_list("cohort", "months_on_book", "month")
        .annotate(disbursed=Sum("disbursed"), balance=Sum("balance_m2plus"), loans=Sum("loans"))
        .order_by("cohort", "months_on_book")
    )
    horizon = max((mob for _c, mob, *_rest in rows), default=0)
    table = Table(
        "vintage",
        _("Vintage: share of disbursed principal at M2+ by months on book"),
        [
            Column("cohort", _("Origination month"), MONTH),
            Column("loans", _("Loans"), COUNT),
            Column("disbursed", _("Disbursed"), MONEY),
            *[Column(f"mob_{mob}", f"{mob}", RATE) for mob in range(horizon + 1)],
        ],
        note=DEFINITIONS["vintage"],
    )
    cohorts: dict[dt.date, dict[int, tuple[Rate, dt.date]]] = defaultdict(dict)
    sizes: dict[dt.date, tuple[int, Decimal]] = {}
    for cohort, mob, month, disbursed, balance, loans in rows:
        cohorts[cohort][mob] = (Rate(balance, disbursed), month)
        sizes[cohort] = (loans, disbursed)
    for cohort, points in sorted(cohorts.items()):
        loans, disbursed = sizes[cohort]
        cells = []
        for mob in range(horizon + 1):
            if mob in points:
                rate, month = points[mob]
                link = drill("vintage", month=month, cohort=cohort, product=filters.product, currency=filters.currency) if rate.numerator else ""
                cells.append(Cell(rate, link))
            else:
                cells.append(Cell(None))
        table.add(cohort, loans, disbursed, *cells)
    chart = Chart(
        "vintage-chart", "line", [str(mob) for mob in range(horizon + 1)],
        [
            {"label": cohort.strftime("%Y-%m"), "data": [percent_text(points[mob][0]) if mob in points else None for mob in range(horizon + 1)]}
            for cohort, points in sorted(cohorts.items())
        ],
        percent=True,
    )
    return table, chart


@dataclass
class Forecast:
    month: dt.date | None
    matrix: Table
    projection: Table
    chart: Chart


def forecast(filters: ReportFilters, scale: BucketScale) -> Forecast:
    states = forecast_states(scale)
    month = (
        ReportForecastMatrix.objects.filter(
            month__lte=month_start(filters.last), product=filters.product, currency=filters.currency
        )
        .aggregate(m=Max("month"))["m"]
    )
    matrix = Table(
        "forecast-matrix", _("Forecast transition matrix (trailing average)"),
        [Column("from", _("From \\ to")), *[Column(state, state, RATE) for state in states]],
        note=DEFINITIONS["forecast"], heat=True,
    )
    projection = Table(
        "forecast-balances", _("Projected balances"),
        [Column("step", _("Months ahead"), COUNT), *[Column(state, state, MONEY) for state in states],
         Column("loss", _("Loss state (last bucket and charged off)"), MONEY)],
        note=DEFINITIONS["forecast"],
    )
    chart = Chart("forecast-chart", "line", [], [])
    if month is None:
        return Forecast(None, matrix, projection, chart)
    cells = {
        (source, target): probability
        for source, target, probability in ReportForecastMatrix.objects.filter(
            month=month, product=filters.product, currency=filters.currency
        )
        .values_list("from_state", "to_state", "probability")
    }
    for source in states:
        matrix.add(source, *[Cell(Rate(cells.get((source, t), ZERO), 1), heat=cells.get((source, t), ZERO)) for t in states])
    balances: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for step, state, balance in ReportForecastBalance.objects.filter(
        month=month, product=filters.product, currency=filters.currency
    ).values_list(
        "step", "state", "balance"
    ):
        balances[step][state] = balance
    for step in sorted(balances):
        projection.add(step, *[balances[step].get(state, ZERO) for state in states], balances[step].get(scale.worst, ZERO))
    chart = Chart(
        "forecast-chart", "line", [f"+{step}" for step in sorted(balances)],
        [
            {"label": state, "data": [str(balances[step].get(state, ZERO)) for step in sorted(balances)]}
            for state in (*scale.delinquent, PAID)
        ],
    )
    return Forecast(month, matrix, projection, chart)


__all__ = ["CLOSED_STATES", "DEFINITIONS", "BucketScale", "Chart", "ReportFilters", "bucket_scale"]
