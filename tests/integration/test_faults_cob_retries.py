"""The scheduled nightly close in a real worker when the database goes away under it: the task is
retried, and after its third retry it gives up and says so.

The worker's COB session waits on a lock a second session holds; the test then ends that session
from the server (``pg_terminate_backend``, as a database restart or fail-over does), so the worker's
transaction fails with ``OperationalError``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from celery.result import AsyncResult
from django.db import connection

from accounts.models import CobRun, LoanAccount
from collections_app.tasks import nightly_close_task
from tests.factories import loan_with_schedule
from tests.integration.faults import second_session, session_gone, session_waiting_for_lock, wait_until
from tests.workers import CeleryWorkers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 2, 20)
HOLD = "LOCK TABLE accounts_bucketdailytotal IN SHARE MODE"
COB_WAITS = "DELETE FROM accounts_bucketdailytotal"


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_until(lambda: session_gone(pid), timeout=10, what="the worker's COB session to end")


def _close(workers: CeleryWorkers, *, retry_seconds: int) -> AsyncResult[Any]:
    workers.start(environment={"NIGHTLY_CLOSE_RETRY_SECONDS": str(retry_seconds)})
    return nightly_close_task.apply_async(args=[DAY.isoformat()], kwargs={"assign": False}, queue=workers.queue)


def test_a_close_whose_database_went_away_is_retried_and_then_done(celery_workers: CeleryWorkers):
    # Given a loan 19 days past due at the close, and the worker's close waiting on a lock
    loan = loan_with_schedule(first_due=dt.date(2026, 2, 1))
    with second_session(HOLD):
        result = _close(celery_workers, retry_seconds=3)
        cob_session = session_waiting_for_lock(COB_WAITS)

        # When its database session is ended under it
        _terminate(cob_session)

        # Then the close is recorded as failed and nothing of it is visible, and the task waits to be retried
        wait_until(lambda: CobRun.objects.filter(date=DAY, status=CobRun.Status.FAILED).exists(), timeout=10,
                   what="the failed close to be recorded")  # fmt: skip
        assert LoanAccount.objects.get(pk=loan.pk).dpd == 0
        wait_until(lambda: result.state == "RETRY", timeout=10, what="the task to be set for a retry")

    # When the lock is gone, the retry closes the day
    answer = result.get(timeout=60)

    assert answer["date"] == DAY.isoformat() and answer["accounts"] == 1
    assert CobRun.objects.get(date=DAY).status == CobRun.Status.DONE
    assert LoanAccount.objects.get(pk=loan.pk).dpd == 19


def test_after_three_retries_the_close_fails_and_is_not_tried_again(celery_workers: CeleryWorkers):
    # Given the worker's close that loses its database session every time it runs
    loan_with_schedule(first_due=dt.date(2026, 2, 1))
    with second_session(HOLD):
        result = _close(celery_workers, retry_seconds=1)
        for _attempt in range(4):  # the first run and three retries (1, 2 and 4 s later)
            _terminate(session_waiting_for_lock(COB_WAITS))

        # Then the task fails with the database's error, the close says failed
        with pytest.raises(Exception, match="terminat") as failed:
            result.get(timeout=30)
        assert type(failed.value).__name__ == "OperationalError"
        assert CobRun.objects.get(date=DAY).status == CobRun.Status.FAILED

        # And no fifth run comes (it would wait on the lock again)
        with pytest.raises(AssertionError, match="timed out"):
            session_waiting_for_lock(COB_WAITS, timeout=10)
