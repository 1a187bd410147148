"""The aggregation jobs are idempotent per date, a backfill equals the nightly runs, and chunks run eagerly."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from collections_app.models import (
    ReportAgentDay,
    ReportAgentMonth,
    ReportAgentShift,
    ReportBucketDay,
    ReportEntryDay,
    ReportExitDay,
    ReportFlowMonth,
    ReportForecastBalance,
    ReportForecastMatrix,
    ReportRollDay,
    ReportVintage,
)
from collections_app.reports import jobs
from collections_app.reports.definitions import dates_in
from collections_app.reports.tasks import (
    reports_agents_intraday_task,
    reports_backfill_signature,
    reports_backfill_task,
    reports_nightly_task,
)
from scheduling.beat import beat_schedule_ensure

pytestmark = pytest.mark.django_db

DAILY = (ReportBucketDay, ReportRollDay, ReportEntryDay, ReportExitDay, ReportAgentDay, ReportAgentShift)
MONTHLY = (ReportFlowMonth, ReportVintage, ReportForecastMatrix, ReportForecastBalance, ReportAgentMonth)
MARCH = dt.date(2026, 3, 1)
MARCH_DAYS = dates_in(MARCH, dt.date(2026, 3, 31))


def rows(model: type[models.Model], **where: object) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(model.objects.filter(**where).values_list(*fields))


def march() -> dict[str, list[tuple]]:
    result = {model.__name__: rows(model, date__range=(MARCH, MARCH_DAYS[-1])) for model in DAILY}
    result.update({model.__name__: rows(model, month=MARCH) for model in MONTHLY})
    return result


def wipe_march() -> None:
    for model in DAILY:
        model.objects.filter(date__range=(MARCH, MARCH_DAYS[-1])).delete()
    for model in MONTHLY:
        model.objects.filter(month=MARCH).delete()


def test_running_every_job_twice_for_a_date_gives_identical_rows(book):
    day = dt.date(2026, 3, 18)
    before = march()
    assert all(before.values()), "every table must have rows in March for this test to mean anything"

    jobs.reports_aggregate_days(days=[day])
    jobs.reports_aggregate_months(months=[MARCH])
    jobs.reports_aggregate_days(days=[day])
    jobs.reports_aggregate_months(months=[MARCH])

    assert march() == before


def test_backfilling_a_month_gives_the_rows_of_running_the_nightly_job_day_by_day(book):
    wipe_march()
    jobs.reports_aggregate_range(first=MARCH, last=MARCH_DAYS[-1])
    backfilled = march()
    wipe_march()

    for day in MARCH_DAYS:
        jobs.reports_after_cob(business_date=day)
    jobs.reports_aggregate_days(days=[MARCH_DAYS[-1]], families=[jobs.ENTRY_EXIT])  # judged after April 1st closed

    assert march() == backfilled
    assert backfilled["ReportFlowMonth"] and backfilled["ReportEntryDay"]


def test_a_backfill_split_into_celery_chunks_runs_eagerly_without_a_broker_and_gives_the_same_rows(book, eager):
    before = march()
    wipe_march()

    canvas = reports_backfill_signature(first=MARCH, last=MARCH_DAYS[-1], chunk_days=5)
    canvas.apply_async().get()

    assert march() == before
    assert len(canvas.tasks) == 7 + 1  # seven chunks of days and March's matrix and vintage; then the forecast and the agents' month


def test_the_backfill_task_dispatches_the_chunks(book, eager):
    wipe_march()

    reports_backfill_task.delay(MARCH.isoformat(), MARCH_DAYS[-1].isoformat(), [jobs.PORTFOLIO])

    assert ReportBucketDay.objects.filter(date=MARCH_DAYS[-1]).exists()
    assert ReportFlowMonth.objects.filter(month=MARCH).exists()
    assert not ReportVintage.objects.filter(month=MARCH).exists()


def test_the_nightly_task_aggregates_the_latest_close_of_business(book, eager):
    ReportBucketDay.objects.filter(date=dt.date(2026, 4, 30)).delete()
    ReportFlowMonth.objects.filter(month=dt.date(2026, 4, 1)).delete()

    result = reports_nightly_task.delay().get()

    assert result["bucket_day_aggregate"] > 0
    assert ReportBucketDay.objects.filter(date=dt.date(2026, 4, 30)).exists()
    assert ReportFlowMonth.objects.filter(month=dt.date(2026, 4, 1)).exists()


def test_the_intraday_task_replaces_the_agent_figures_of_the_day(book, eager):
    day = dt.date(2026, 3, 17)
    before = rows(ReportAgentDay, date=day)
    ReportAgentDay.objects.filter(date=day).update(attempts=999)

    reports_agents_intraday_task.delay(day.isoformat()).get()

    assert rows(ReportAgentDay, date=day) == before


def test_the_aggregate_command_backfills_a_range_and_names_the_rows_it_wrote(book):
    out = StringIO()
    ReportRollDay.objects.all().delete()

    call_command("aggregate", "--from", "2026-03-01", "--to", "2026-03-31", "--only", "portfolio", stdout=out)

    assert "roll_day_aggregate" in out.getvalue()
    assert ReportRollDay.objects.filter(date__month=3).exists()
    assert not ReportRollDay.objects.filter(date__month=2).exists()


def test_the_aggregate_command_refuses_a_range_that_ends_before_it_starts(book):
    with pytest.raises(CommandError, match="--from must not be after --to"):
        call_command("aggregate", "--from", "2026-03-31", "--to", "2026-03-01")


def test_the_aggregate_command_refuses_an_unknown_family(book):
    with pytest.raises(CommandError):
        call_command("aggregate", "--from", "2026-03-01", "--to", "2026-03-31", "--only", "everything")


def test_the_report_jobs_are_on_the_beat_schedule_once(db):
    from django_celery_beat.models import PeriodicTask

    names = ["reports-nightly", "reports-agents-intraday"]
    assert PeriodicTask.objects.filter(name__in=names).count() == len(names)  # made by the migration

    created = beat_schedule_ensure()

    assert not set(created) & set(names)
    assert PeriodicTask.objects.filter(name__in=names).count() == len(names)
    assert set(PeriodicTask.objects.filter(name__in=names).values_list("task", flat=True)) == {
        "collections_app.reports_tasks.reports_nightly_task",
        "collections_app.reports_tasks.reports_agents_intraday_task",
    }
