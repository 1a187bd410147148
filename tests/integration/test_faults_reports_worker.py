"""Report aggregation under faults: a worker killed in the middle of a chunk of days, and two runs of the
same day at once. Either way the report tables end as one uninterrupted run leaves them, without a
duplicate row."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from accounts.demo.book import demo_book_seed
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
from collections_app.reports.definitions import dates_in
from collections_app.reports.jobs import reports_aggregate_days
from collections_app.reports.jobs.entry_exit import exit_day_aggregate
from collections_app.reports.tasks import reports_days_task
from collections_app.services.close import book_close
from tests.integration.faults import (
    lock_waiters,
    second_session,
    session_gone,
    session_waiting_for_lock,
    taken_and_unacknowledged,
    wait_until,
)
from tests.workers import CeleryWorkers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 3, 12)
VISIBILITY_TIMEOUT = 3
REPORT_TABLES = (
    ReportBucketDay, ReportRollDay, ReportFlowMonth, ReportEntryDay, ReportExitDay, ReportVintage,
    ReportForecastMatrix, ReportForecastBalance, ReportAgentDay, ReportAgentMonth, ReportAgentShift,
)  # fmt: skip


def report_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every report table (all columns but the id), duplicates included."""
    rows = {}
    for model in REPORT_TABLES:
        columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows[model.__name__] = sorted(model.objects.values_list(*columns), key=repr)
    return rows


def book_closed_daily(first: dt.date, last: dt.date) -> None:
    demo_book_seed(accounts=300, seed=5, months=2, today=TODAY)
    for day in dates_in(first, last):
        book_close(business_date=day)


def test_a_worker_killed_in_the_middle_of_a_chunk_of_days_is_replaced_and_the_tables_hold_one_run(
    celery_workers: CeleryWorkers,
):
    # Given a book closed every day, and what one uninterrupted run over four days writes
    book_closed_daily(TODAY - dt.timedelta(days=5), TODAY)
    days = dates_in(TODAY - dt.timedelta(days=4), TODAY - dt.timedelta(days=1))
    with transaction.atomic():
        reports_aggregate_days(days=days)
        expected = report_rows()
        transaction.set_rollback(True)
    assert expected["ReportBucketDay"] and expected["ReportRollDay"] and expected["ReportExitDay"]
    # ... and a stale row on the third day, which a second session holds locked
    blocked = days[2]
    ReportBucketDay.objects.create(
        date=blocked, product="stale", bucket="M0", accounts=1, overdue_amount=Decimal(0), outstanding_balance=Decimal(1)
    )

    # When a worker runs the chunk and is killed while it waits to replace the third day's rows
    with second_session(f"SELECT id FROM collections_app_reportbucketday WHERE date = '{blocked}' FOR UPDATE"):
        result = reports_days_task.apply_async(args=[[day.isoformat() for day in days]], queue=celery_workers.queue)
        celery_workers.start(visibility_timeout=VISIBILITY_TIMEOUT)
        job_session = session_waiting_for_lock('DELETE FROM "collections_app_reportbucketday"')
        celery_workers.kill()
        taken_at = taken_and_unacknowledged(result.id)
    wait_until(lambda: session_gone(job_session), timeout=10, what="the killed worker's session to end")

    # Then the first two days are committed (each day's rows are replaced in their own transactions)
    # and nothing of the third day or later
    assert taken_at is not None
    assert set(ReportBucketDay.objects.values_list("date", flat=True)) == {*days[:2], blocked}
    assert ReportBucketDay.objects.filter(date=blocked).get().product == "stale"

    # When a new worker starts after the visibility timeout, it gets the chunk again and runs it whole
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 0.2 - time.time()))
    celery_workers.start(visibility_timeout=VISIBILITY_TIMEOUT)
    result.get(timeout=60)

    # Then the tables hold exactly one run: the days done twice replaced, the stale row gone, no duplicates
    assert report_rows() == expected


def test_two_runs_of_the_same_day_at_once_leave_one_set_of_rows():
    # Given a book closed every day (cases opened and closed on the day), and one run's exit rows
    day = TODAY - dt.timedelta(days=1)
    book_closed_daily(TODAY - dt.timedelta(days=5), TODAY)
    with transaction.atomic():
        exit_day_aggregate(day=day)
        expected = report_rows()["ReportExitDay"]
        transaction.set_rollback(True)
    assert expected

    # When one run has written the day's rows and not committed yet while a second run of that day starts
    # (a redelivered task overlapping its first delivery, the nightly job and a backfill)
    first_written, first_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_run() -> None:
        try:
            with transaction.atomic():
                exit_day_aggregate(day=day)
                first_written.set()
                first_may_commit.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            first_written.set()
            connection.close()

    def second_run() -> None:
        try:
            exit_day_aggregate(day=day)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=first_run)
    first.start()
    first_written.wait(timeout=30)
    second = threading.Thread(target=second_run)
    second.start()
    # it either waits for the first run to commit, or it is done
    wait_until(lambda: not second.is_alive() or lock_waiters(), timeout=10, what="the second run")
    first_may_commit.set()
    first.join(timeout=30)
    second.join(timeout=30)

    # Then the day has one set of rows, not two
    assert not errors
    assert report_rows()["ReportExitDay"] == expected
