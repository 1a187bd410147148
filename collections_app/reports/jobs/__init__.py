"""Report aggregation jobs: one module per family, each idempotent for its date (or month).

Families and what they write:

- ``portfolio``: bucket balances per COB date, bucket changes per COB date, the month-over-month
  transition matrix per month (``portfolio.py``);
- ``entry_exit``: entry rate per due date, exit figures per date (``entry_exit.py``);
- ``vintage``: vintage points per month-end (``vintage.py``);
- ``forecast``: the loss forecast per month-end, from the stored matrices (``forecast.py``);
- ``agents``: agent / team / bucket efficiency per day and its month roll-up (``agents.py``);
- ``messages``: messages sent, delivered, failed, replied, opted out and refused per day, channel,
  team and template (``messages.py``).

Day jobs run for every date asked (a family skips dates it cannot judge yet: a date without COB,
an entry date whose next day has not closed); month jobs for every month touched. The forecast
reads the stored matrices, so it runs after them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import sql
from ..definitions import dates_in, latest_cob, months_between
from .agents import agent_day_aggregate, agent_month_aggregate
from .entry_exit import entry_day_aggregate, exit_day_aggregate
from .forecast import forecast_month_aggregate
from .messages import message_day_aggregate
from .portfolio import bucket_day_aggregate, flow_month_aggregate, roll_day_aggregate
from .ranges import Questions, account_ranges, portfolio_merge, portfolio_part, portfolio_questions
from .vintage import vintage_month_aggregate

PORTFOLIO = "portfolio"
ENTRY_EXIT = "entry_exit"
VINTAGE = "vintage"
FORECAST = "forecast"
AGENTS = "agents"
MESSAGES = "messages"
FAMILIES = (PORTFOLIO, ENTRY_EXIT, VINTAGE, FORECAST, AGENTS, MESSAGES)

DayJob = Callable[..., int]
DAY_JOBS: dict[str, tuple[DayJob, ...]] = {
    PORTFOLIO: (bucket_day_aggregate, roll_day_aggregate),
    ENTRY_EXIT: (entry_day_aggregate, exit_day_aggregate),
    AGENTS: (agent_day_aggregate,),
    MESSAGES: (message_day_aggregate,),
}
# In dependency order: the forecast reads the matrices.
MONTH_JOBS: dict[str, tuple[DayJob, ...]] = {
    PORTFOLIO: (flow_month_aggregate,),
    VINTAGE: (vintage_month_aggregate,),
    FORECAST: (forecast_month_aggregate,),
    AGENTS: (agent_month_aggregate,),
}


@dataclass
class AggregateResult:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    def merge(self, other: AggregateResult) -> AggregateResult:
        for name, count in other.rows.items():
            self.add(name, count)
        return self


def families_check(families: Iterable[str] | None) -> tuple[str, ...]:
    """The families asked for, in their fixed order; ValueError names an unknown one."""
    if families is None:
        return FAMILIES
    asked = set(families)
    unknown = asked - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown report family: {', '.join(sorted(unknown))} (known: {', '.join(FAMILIES)})")
    return tuple(family for family in FAMILIES if family in asked)


def reports_aggregate_days(*, days: Iterable[dt.date], families: Iterable[str] | None = None) -> AggregateResult:
    """Run the day jobs of ``families`` for each of ``days``; each job replaces its date's rows."""
    result = AggregateResult()
    chosen = families_check(families)
    for day in days:
        for family in chosen:
            for job in DAY_JOBS.get(family, ()):
                result.add(job.__name__, job(day=day))
    return result


def reports_aggregate_months(
    *, months: Iterable[dt.date], families: Iterable[str] | None = None
) -> AggregateResult:
    """Run the month jobs of ``families`` for each month (first days), in dependency order."""
    result = AggregateResult()
    chosen = families_check(families)
    months = sorted(months)
    for family in chosen:
        for job in MONTH_JOBS.get(family, ()):
            for month in months:
                result.add(job.__name__, job(month=month))
    return result


def reports_aggregate_range(
    *, first: dt.date, last: dt.date, families: Iterable[str] | None = None
) -> AggregateResult:
    """Backfill ``first``..``last`` in this process: every day, then every month touched."""
    if last < first:
        raise ValueError("the range ends before it starts")
    chosen = families_check(families)
    with sql.remembered():
        result = reports_aggregate_days(days=dates_in(first, last), families=chosen)
        return result.merge(reports_aggregate_months(months=months_between(first, last), families=chosen))


def reports_after_cob(*, business_date: dt.date | None = None) -> AggregateResult:
    """The nightly run after COB for ``business_date`` (default: the latest COB date).

    Day jobs for the date and the day before (entry for a due date is judged a day later; cases
    opened by a COB may date from the day before), month jobs for the date's month (a running
    month's matrix is provisional until its last COB date).
    """
    day = business_date or latest_cob()
    if day is None:
        return AggregateResult()
    days, months = after_cob_dates(day)
    with sql.remembered():
        result = reports_aggregate_days(days=days, families=FAMILIES)
        return result.merge(reports_aggregate_months(months=months, families=FAMILIES))


def after_cob_dates(day: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """The days and months the nightly run after COB for ``day`` recomputes."""
    return [day - dt.timedelta(days=1), day], sorted({(day - dt.timedelta(days=1)).replace(day=1), day.replace(day=1)})


def reports_after_cob_ranges(*, business_date: dt.date, range_accounts: int) -> tuple[Questions, list[tuple[int, int]]]:
    """The nightly run after COB for ``business_date`` split by account-id ranges: what each range
    answers (``portfolio_part``) and the ranges; no ranges when the book fits in one."""
    ranges = account_ranges(range_accounts=range_accounts)
    if not ranges:
        return {}, []
    days, months = after_cob_dates(business_date)
    return portfolio_questions(days=days, months=months), ranges


def reports_after_cob_from_parts(
    *, business_date: dt.date, questions: Questions, parts: list[dict[str, list[list[Any]]]]
) -> AggregateResult:
    """``reports_after_cob`` with the whole-book reads answered by the ranges' parts, summed."""
    with sql.precomputed(portfolio_merge(questions, parts)):
        return reports_after_cob(business_date=business_date)


__all__ = [
    "AGENTS", "ENTRY_EXIT", "FAMILIES", "FORECAST", "MESSAGES", "PORTFOLIO", "VINTAGE", "AggregateResult", "families_check",
    "reports_aggregate_days", "reports_aggregate_months", "reports_aggregate_range", "reports_after_cob",
    "after_cob_dates", "portfolio_part", "reports_after_cob_from_parts", "reports_after_cob_ranges",
]
