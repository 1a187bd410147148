"""COB runs in a real Celery worker when a broker is configured."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import CobRun, LoanAccount
from collections_app.tasks import nightly_close_task
from tests.factories import loan_with_schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_cob_runs_in_a_real_celery_worker_not_in_process(celery_worker_process: str):
    loan = loan_with_schedule(first_due=dt.date(2026, 2, 1))

    result = nightly_close_task.apply_async(args=["2026-02-20"], queue=celery_worker_process)
    answer = result.get(timeout=90)

    run = CobRun.objects.get(date=dt.date(2026, 2, 20))
    assert answer["accounts"] == 1
    assert run.worker.startswith(celery_worker_process + "@")
    assert LoanAccount.objects.get(pk=loan.pk).dpd == 19
