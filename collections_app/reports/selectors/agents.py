"""Agent, team and bucket efficiency and the promise figures, read from the aggregate tables.

Counts and rates take all the agents' work; amounts (promised, collected) are those in the filters'
currency: the rows are per currency, and amounts of two currencies are never added.

Whole calendar months inside the range come from ``ReportAgentMonth`` (a row per agent, team and
bucket per month), the other days from ``ReportAgentDay``; logged time from ``ReportAgentShift``.
Cases held at the start of the period are the first day's (or the first month's) figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO
from collections_app.models import ReportAgentDay, ReportAgentMonth, ReportAgentShift
from collections_app.reports.definitions import months_between, next_month

from ..tables import COUNT, HOURS, MONEY, RATE, SECONDS, TEXT, Cell, Column, Rate, Table, drill
from .scope import DEFINITIONS, Chart, ReportFilters, percent_text

# --- Agents, teams, buckets ----------------------------------------------------------------


AGENT_SUMS = (
    "attempts", "contacts", "right_party_contacts", "talk_seconds", "handled_calls", "ptps", "ptp_amount",
    "ptps_due", "ptps_kept", "ptps_partially_kept", "ptps_broken", "collected_amount", "cases_opened", "cases_cured",
    "complaints", "qa_reviews", "qa_score_total", "qa_failed", "messages_sent",
)
GROUPS = {"agent": "agent__username", "team": "team__name", "bucket": "bucket"}
SORTS = (
    "attempts", "attempts_per_hour", "contact_rate", "rpc_rate", "ptp_rate", "ptp_amount", "kept_rate",
    "collected", "aht", "cure_rate", "qa_score", "complaint_rate",
)
PER_CONTACTS = 10_000  # the complaint rate is per 10,000 contacts (DESIGN.md 17)


@dataclass
class Efficiency:
    name: str
    key: Any
    sums: dict[str, Any]
    logged_seconds: int | None

    def rate(self, numerator: str, denominator: str) -> Rate:
        return Rate(self.sums[numerator], self.sums[denominator])

    @property
    def logged_hours(self) -> Decimal | None:
        return None if self.logged_seconds is None else (Decimal(self.logged_seconds) / 3600).quantize(Decimal("0.01"))

    @property
    def attempts_per_hour(self) -> Decimal | None:
        if not self.logged_seconds:
            return None
        return (Decimal(self.sums["attempts"]) * 3600 / self.logged_seconds).quantize(Decimal("0.1"))

    @property
    def aht(self) -> int | None:
        calls = self.sums["handled_calls"]
        return round(self.sums["talk_seconds"] / calls) if calls else None

    @property
    def qa_score(self) -> Decimal | None:
        """The mean score (0-100) of the reviews scored in the period; None when none was."""
        reviews = self.sums["qa_reviews"]
        return (Decimal(self.sums["qa_score_total"]) / reviews).quantize(Decimal("0.01")) if reviews else None

    @property
    def complaint_rate(self) -> Decimal | None:
        """Complaints received in the period per 10,000 contacts made in it; None without contacts."""
        contacts = self.sums["contacts"]
        if not contacts:
            return None
        return (Decimal(self.sums["complaints"]) * PER_CONTACTS / contacts).quantize(Decimal("0.01"))

    @property
    def cases(self) -> int:
        return self.sums["cases_open_at_start"] + self.sums["cases_opened"]

    def sort_value(self, key: str) -> Decimal:
        values = {
            "attempts": self.sums["attempts"],
            "attempts_per_hour": self.attempts_per_hour,
            "contact_rate": self.rate("contacts", "attempts").value,
            "rpc_rate": self.rate("right_party_contacts", "attempts").value,
            "ptp_rate": self.rate("ptps", "right_party_contacts").value,
            "ptp_amount": self.sums["ptp_amount"],
            "kept_rate": self.rate("ptps_kept", "ptps_due").value,
            "collected": self.sums["collected_amount"],
            "aht": self.aht,
            "cure_rate": Rate(self.sums["cases_cured"], self.cases).value,
            "qa_score": self.qa_score,
            "complaint_rate": self.complaint_rate,
        }
        value = values.get(key)
        return Decimal(-1) if value is None else Decimal(value)


def _scoped(queryset: QuerySet, filters: ReportFilters) -> QuerySet:
    if filters.team_id:
        queryset = queryset.filter(team_id=filters.team_id)
    elif filters.team_ids is not None:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.bucket:
        queryset = queryset.filter(bucket=filters.bucket)
    return queryset


def _whole_months(filters: ReportFilters) -> list[dt.date]:
    return [
        month for month in months_between(filters.first, filters.last)
        if month >= filters.first and next_month(month) - dt.timedelta(days=1) <= filters.last
    ]


MONEY_SUMS = ("ptp_amount", "collected_amount")


def _sums(
    queryset: QuerySet, key: str, name: str, start: Q, currency: str
) -> dict[Any, tuple[Any, dict[str, Any]]]:
    """Counts over all the work; amounts only in ``currency`` (they are never added across currencies)."""
    in_currency = Q(currency=currency)
    rows = (
        queryset.values_list(*dict.fromkeys([key, name]))
        .annotate(
            **{field: Sum(field, filter=in_currency) if field in MONEY_SUMS else Sum(field) for field in AGENT_SUMS},
            cases_open_at_start=Sum("cases_open_at_start", filter=start),
        )
        .order_by()
    )
    result = {}
    for values in rows:
        if key == name:
            values = (values[0], *values)
        group_key, label, *figures = values
        result[group_key] = (label, dict(zip([*AGENT_SUMS, "cases_open_at_start"], figures, strict=True)))
    return result


def efficiency(filters: ReportFilters, group: str = "agent") -> list[Efficiency]:
    """Summed figures per agent, team or bucket over the filters' dates.

    Three queries (the months rolled up, the day rows, the month rows) and one for logged time.
    """
    name = GROUPS[group]
    key = {"agent": "agent_id", "team": "team_id", "bucket": "bucket"}[group]
    months = _whole_months(filters)
    rolled = (
        sorted(set(ReportAgentMonth.objects.filter(month__in=months).values_list("month", flat=True).distinct()))
        if months else []
    )
    days = ReportAgentDay.objects.filter(date__range=(filters.first, filters.last))
    for month in rolled:
        days = days.exclude(date__gte=month, date__lt=next_month(month))
    parts = [_sums(_scoped(days, filters), key, name, Q(date=filters.first), filters.currency)]
    if rolled:
        by_month = ReportAgentMonth.objects.filter(month__in=rolled)
        parts.append(_sums(_scoped(by_month, filters), key, name, Q(month=filters.first), filters.currency))
    merged: dict[Any, tuple[Any, dict[str, Any]]] = {}
    for part in parts:
        for group_key, (label, figures) in part.items():
            if group_key not in merged:
                merged[group_key] = (label, {field: None for field in figures})
            totals = merged[group_key][1]
            for field, value in figures.items():
                if value is not None:
                    totals[field] = value if totals[field] is None else totals[field] + value
    logged: dict[Any, int] = {}
    if group != "bucket" and not filters.bucket:
        shifts = ReportAgentShift.objects.filter(date__range=(filters.first, filters.last))
        if filters.team_id:
            shifts = shifts.filter(team_id=filters.team_id)
        elif filters.team_ids is not None:
            shifts = shifts.filter(team_id__in=filters.team_ids)
        logged = dict(shifts.values_list(key).annotate(s=Sum("logged_seconds")).order_by())
    result = []
    for group_key, (label, figures) in merged.items():
        sums = {f: (v if v is not None else (ZERO if f.endswith(("amount", "total")) else 0)) for f, v in figures.items()}
        seconds = None if (group == "bucket" or filters.bucket) else logged.get(group_key, 0)
        name_shown = label or (str(_("Dialer (no agent)")) if group == "agent" else "\u2014")
        result.append(Efficiency(name_shown, group_key, sums, seconds))
    result.sort(key=lambda row: str(row.name))
    return result


def efficiency_table(filters: ReportFilters, group: str, sort: str) -> Table:
    rows = efficiency(filters, group)
    rows.sort(key=lambda row: (-row.sort_value(sort), row.name))
    span = {"first": filters.first, "last": filters.last, "bucket": filters.bucket, "team": filters.team_id}
    table = Table(
        "efficiency",
        {"agent": _("Agents"), "team": _("Teams"), "bucket": _("Buckets")}[group],
        [
            Column("rank", _("Rank"), COUNT),
            Column("name", {"agent": _("Agent"), "team": _("Team"), "bucket": _("Bucket")}[group], TEXT),
            Column("attempts", _("Attempts"), COUNT, DEFINITIONS["attempts"]),
            Column("messages_sent", _("Messages sent"), COUNT, DEFINITIONS["messages_sent"]),
            Column("logged_hours", _("Logged hours"), HOURS, DEFINITIONS["logged_hours"]),
            Column("attempts_per_hour", _("Attempts per hour"), TEXT, DEFINITIONS["attempts_per_hour"]),
            Column("contact_rate", _("Contact rate"), RATE, DEFINITIONS["contact_rate"]),
            Column("rpc_rate", _("RPC rate"), RATE, DEFINITIONS["rpc_rate"]),
            Column("ptps", _("PTPs"), COUNT),
            Column("ptp_rate", _("PTP rate (per RPC)"), RATE, DEFINITIONS["ptp_rate"]),
            Column("ptp_amount", _("PTP amount"), MONEY, DEFINITIONS["ptp_amount"]),
            Column("kept_rate", _("PTP kept rate"), RATE, DEFINITIONS["kept_rate"]),
            Column("collected", _("Collected"), MONEY, DEFINITIONS["collected"]),
            Column("talk_time", _("Talk time"), SECONDS, DEFINITIONS["talk_time"]),
            Column("aht", _("Average handle time"), SECONDS, DEFINITIONS["aht"]),
            Column("cure_rate", _("Cure rate of assigned cases"), RATE, DEFINITIONS["cure_assigned"]),
            Column("complaints", _("Complaints"), COUNT, DEFINITIONS["complaints"]),
            Column("complaint_rate", _("Complaints per 10,000 contacts"), TEXT, DEFINITIONS["complaint_rate"]),
            Column("qa_reviews", _("Calls reviewed"), COUNT, DEFINITIONS["qa_reviews"]),
            Column("qa_score", _("QA score"), TEXT, DEFINITIONS["qa_score"]),
        ],
    )
    for rank, row in enumerate(rows, start=1):
        who = {**span, group: row.key}
        table.add(
            rank,
            row.name,
            Cell(row.sums["attempts"], drill("calls", **who)),
            row.sums["messages_sent"] or 0,
            row.logged_hours,
            row.attempts_per_hour,
            row.rate("contacts", "attempts"),
            row.rate("right_party_contacts", "attempts"),
            Cell(row.sums["ptps"], drill("promises", **who)),
            row.rate("ptps", "right_party_contacts"),
            row.sums["ptp_amount"],
            Cell(row.rate("ptps_kept", "ptps_due"), drill("promises_judged", **who)),
            row.sums["collected_amount"],
            row.sums["talk_seconds"],
            row.aht,
            Cell(Rate(row.sums["cases_cured"], row.cases), drill("cured", **who)),
            row.sums["complaints"],
            row.complaint_rate,
            row.sums["qa_reviews"],
            row.qa_score,
        )
    return table


def promise_table(filters: ReportFilters, group: str) -> Table:
    rows = efficiency(filters, group)
    span = {"first": filters.first, "last": filters.last, "bucket": filters.bucket, "team": filters.team_id}
    table = Table(
        "promises",
        _("Promises to pay"),
        [
            Column("name", {"agent": _("Agent"), "team": _("Team"), "bucket": _("Bucket")}[group]),
            Column("rpc", _("Right-party contacts"), COUNT),
            Column("ptps", _("PTPs"), COUNT),
            Column("ptp_rate", _("PTP rate (per RPC)"), RATE, DEFINITIONS["ptp_rate"]),
            Column("ptp_amount", _("PTP amount"), MONEY, DEFINITIONS["ptp_amount"]),
            Column("due", _("Promises judged"), COUNT),
            Column("kept", _("Kept"), COUNT),
            Column("partly", _("Partly kept"), COUNT),
            Column("broken", _("Broken"), COUNT),
            Column("kept_rate", _("PTP kept rate"), RATE, DEFINITIONS["kept_rate"]),
        ],
        note=DEFINITIONS["kept_rate"],
    )
    for row in sorted(rows, key=lambda row: (-row.sort_value("kept_rate"), row.name)):
        who = {**span, group: row.key}
        judged = drill("promises_judged", **who)
        table.add(
            row.name,
            row.sums["right_party_contacts"],
            Cell(row.sums["ptps"], drill("promises", **who)),
            row.rate("ptps", "right_party_contacts"),
            row.sums["ptp_amount"],
            Cell(row.sums["ptps_due"], judged),
            row.sums["ptps_kept"],
            row.sums["ptps_partially_kept"],
            row.sums["ptps_broken"],
            row.rate("ptps_kept", "ptps_due"),
        )
    return table


def efficiency_chart(table: Table, keys: list[str]) -> Chart:
    index = {column.key: n for n, column in enumerate(table.columns)}
    titles = {column.key: str(column.label) for column in table.columns}
    return Chart(
        "efficiency-chart", "bar", [str(row[index["name"]].value) for row in table.rows],
        [{"label": titles[key], "data": [percent_text(row[index[key]].value) for row in table.rows]} for key in keys],
        percent=True,
    )


