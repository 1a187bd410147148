"""A report backfill split into chunks runs as a chord in a real Celery worker when a broker is configured."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.models import ReportBucketDay, ReportFlowMonth, ReportForecastMatrix
from collections_app.reports.definitions import dates_in
from collections_app.reports.tasks import reports_backfill_signature
from tests.reports.book import reports_book

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_backfill_runs_its_chunks_and_then_the_forecast_in_a_worker(celery_worker_process: str):
    reports_book(calls=False)
    first, last = dt.date(2026, 3, 1), dt.date(2026, 4, 30)

    canvas = reports_backfill_signature(first=first, last=last, chunk_days=10, queue=celery_worker_process)
    forecast = canvas.apply_async().get(timeout=180)

    assert forecast["forecast_month_aggregate"] > 0
    assert set(ReportBucketDay.objects.values_list("date", flat=True)) == set(dates_in(first, last))
    assert ReportFlowMonth.objects.filter(month=dt.date(2026, 4, 1)).exists()
    assert ReportForecastMatrix.objects.filter(month=dt.date(2026, 4, 1), product="").count() == 81
