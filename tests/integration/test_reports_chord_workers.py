"""The nightly report run split into account-id ranges as a Celery chord: two real worker processes
write exactly the report rows one worker writes, and the run in one piece, in-process."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from collections_app.reports.jobs.ranges import account_ranges
from collections_app.reports.tasks import reports_nightly_task
from tests.reports.book import reports_book
from tests.workers import CeleryWorkers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RANGE = 4  # account ids per range: the reports' book is read in several parts


def report_models() -> list[Any]:
    return [m for m in apps.get_app_config("collections_app").get_models() if m.__name__.startswith("Report")]


def report_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every report table's rows, without their ids, sorted."""
    rows = {}
    for model in report_models():
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return rows


def reports_cleared() -> None:
    for model in report_models():
        model.objects.all().delete()


def run_in_workers(workers: CeleryWorkers, how_many: int) -> tuple[dict[str, int], dict[str, list[tuple[Any, ...]]]]:
    reports_cleared()
    for _ in range(how_many):
        workers.start()
    answer = reports_nightly_task.apply_async(kwargs={"range_accounts": RANGE}, queue=workers.queue).get(timeout=180)
    workers.stop()
    return answer, report_rows()


def test_two_workers_reading_the_book_by_account_ranges_write_the_report_rows_one_worker_writes(
    celery_workers: CeleryWorkers,
):
    # Given the reports' book, and the nightly run in one piece in this process
    reports_book(calls=False)
    assert len(account_ranges(range_accounts=RANGE)) > 2
    in_one_piece_answer = reports_nightly_task.apply().get()
    in_one_piece = report_rows()
    assert in_one_piece["ReportFlowMonth"] and in_one_piece["ReportBucketDay"]  # the figures the ranges feed

    # When the run is made again by one worker, then by two, reading the book in ranges
    answer_one, by_one = run_in_workers(celery_workers, 1)
    answer_two, by_two = run_in_workers(celery_workers, 2)

    # Then every report row is the same
    assert by_two == by_one == in_one_piece
    assert answer_two == answer_one == in_one_piece_answer
