"""Celery tasks of the reports: the nightly run after COB, the intraday agent figures, and backfills.

The nightly run, on a book spanning more than ``COB_RANGE_ACCOUNTS`` account ids, is a chord of
account-id ranges for the reads over the whole book, then the jobs (``jobs.ranges``).
A backfill splits its range into chunks of days (one task each) and the months it touches (one
task each), runs them as a group, and the forecast (which reads the months' matrices) as the
chord's callback. Without a broker everything runs eagerly, in order, in this process. Every
task replaces the rows of its dates, so a retried or repeated task changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import chord, group, shared_task
from django.conf import settings

from accounts.calendar import business_today
from collections_app.reports import jobs
from collections_app.reports.definitions import chunked, dates_in, latest_cob, months_between

DEFAULT_CHUNK_DAYS = 7

# The names the tasks had before the reports became one package: the beat schedule stored in the
# database and messages already queued name them so.
_NAMES = "collections_app.reports_tasks"


def _dates(values: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(value) for value in values]


@shared_task(name=f"{_NAMES}.reports_days_task", acks_late=True)
def reports_days_task(days: list[str], families: list[str] | None = None) -> dict[str, int]:
    return jobs.reports_aggregate_days(days=_dates(days), families=families).rows


@shared_task(name=f"{_NAMES}.reports_months_task", acks_late=True)
def reports_months_task(months: list[str], families: list[str] | None = None) -> dict[str, int]:
    return jobs.reports_aggregate_months(months=_dates(months), families=families).rows


@shared_task(name=f"{_NAMES}.reports_forecast_task", acks_late=True)
def reports_forecast_task(_results: Any, months: list[str], families: list[str] | None = None) -> dict[str, int]:
    """Chord callback: the month jobs that read other aggregates (the forecast; the agents' roll-up)."""
    return jobs.reports_aggregate_months(months=_dates(months), families=families or [jobs.FORECAST]).rows


def reports_backfill_signature(
    *,
    first: dt.date,
    last: dt.date,
    families: list[str] | None = None,
    chunk_days: int = DEFAULT_CHUNK_DAYS,
    queue: str | None = None,
) -> Any:
    """The canvas of a backfill: day chunks and months in parallel, then the forecasts (on ``queue``)."""
    options = {"queue": queue} if queue else {}
    chosen = list(jobs.families_check(families))
    day_families = [f for f in chosen if f in jobs.DAY_JOBS]
    month_families = [f for f in chosen if f in jobs.MONTH_JOBS and f not in (jobs.FORECAST, jobs.AGENTS)]
    months = [month.isoformat() for month in months_between(first, last)]
    tasks = [
        reports_days_task.si([day.isoformat() for day in chunk], day_families).set(**options)
        for chunk in chunked(dates_in(first, last), chunk_days)
        if day_families
    ]
    if month_families:
        tasks += [reports_months_task.si([month], month_families).set(**options) for month in months]
    # What reads other aggregates runs after them, as the chord's callback: the forecast (the
    # matrices) and the agents' month roll-up (the day rows).
    after = [f for f in (jobs.FORECAST, jobs.AGENTS) if f in chosen]
    if after:
        # A chord needs a header; an empty group would never call back.
        header = group(tasks) if tasks else group([reports_days_task.si([], []).set(**options)])
        return chord(header, reports_forecast_task.s(months, after).set(**options))
    return group(tasks)


@shared_task(name=f"{_NAMES}.reports_backfill_task", acks_late=True)
def reports_backfill_task(
    first: str, last: str, families: list[str] | None = None, chunk_days: int = DEFAULT_CHUNK_DAYS
) -> str:
    """Dispatch a backfill as chunks; returns the id of the group or chord."""
    canvas = reports_backfill_signature(
        first=dt.date.fromisoformat(first), last=dt.date.fromisoformat(last), families=families, chunk_days=chunk_days
    )
    return str(canvas.apply_async().id)


@shared_task(name=f"{_NAMES}.reports_nightly_task", bind=True, acks_late=True)
def reports_nightly_task(self: Any, business_date: str | None = None, range_accounts: int | None = None) -> Any:
    """After COB (default: the latest COB date): the day's figures, yesterday's again, the month's.

    In a worker, a book of more than ``range_accounts`` (``COB_RANGE_ACCOUNTS``) account ids is
    read as a chord: one task per account-id range for the whole-book reads, then the jobs with
    their sums (``jobs.reports_after_cob_from_parts``); this task is replaced by the chord, so its
    result is the same figures as in one piece."""
    day = dt.date.fromisoformat(business_date) if business_date else latest_cob()
    if day is None:
        return {}
    if not self.request.is_eager:
        size = range_accounts or settings.COB_RANGE_ACCOUNTS
        questions, ranges = jobs.reports_after_cob_ranges(business_date=day, range_accounts=size)
        if ranges:
            header = group(reports_range_task.si(questions, lo, hi) for lo, hi in ranges)
            return self.replace(chord(header, reports_nightly_finish_task.s(day.isoformat(), questions)))
    return jobs.reports_after_cob(business_date=day).rows


@shared_task(name=f"{_NAMES}.reports_range_task", acks_late=True)
def reports_range_task(questions: dict[str, list[Any]], lo: int, hi: int) -> dict[str, list[list[Any]]]:
    """The whole-book reads of the nightly run for the accounts ``lo <= id < hi``."""
    return jobs.portfolio_part(questions, lo=lo, hi=hi)


@shared_task(name=f"{_NAMES}.reports_nightly_finish_task", acks_late=True)
def reports_nightly_finish_task(
    parts: list[dict[str, list[list[Any]]]], business_date: str, questions: dict[str, list[Any]]
) -> dict[str, int]:
    """The chord's callback of the nightly run by ranges: every job, the whole-book reads summed."""
    day = dt.date.fromisoformat(business_date)
    return jobs.reports_after_cob_from_parts(business_date=day, questions=questions, parts=parts).rows


@shared_task(name=f"{_NAMES}.reports_agents_intraday_task", acks_late=True)
def reports_agents_intraday_task(day: str | None = None) -> dict[str, int]:
    """Today's agent and message figures so far (the book's today); safe to run as often as the beat likes."""
    today = dt.date.fromisoformat(day) if day else business_today()
    result = jobs.reports_aggregate_days(days=[today], families=[jobs.AGENTS, jobs.MESSAGES])
    return result.merge(jobs.reports_aggregate_months(months=[today.replace(day=1)], families=[jobs.AGENTS])).rows
