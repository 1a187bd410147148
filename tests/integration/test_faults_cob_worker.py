"""A worker killed (SIGKILL) in the middle of COB: the task comes back to a new worker, and the book ends
exactly as an uninterrupted COB leaves it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import transaction

from accounts.demo.book import demo_book_seed, history_dates
from accounts.models import BucketDailyTotal, BucketTransition, CobRun, DelinquencySnapshot, LoanAccount
from collections_app.models import Case
from collections_app.services.close import book_close
from collections_app.tasks import nightly_close_task
from tests.integration.faults import (
    second_session,
    session_gone,
    session_waiting_for_lock,
    taken_and_unacknowledged,
    wait_until,
)
from tests.workers import CeleryWorkers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 3, 12)
VISIBILITY_TIMEOUT = 3  # seconds: how long the broker keeps a dead worker's task before handing it out again


def cob_results() -> dict[str, list[tuple[Any, ...]]]:
    """Everything COB writes, by natural keys (no surrogate ids, no timings)."""
    return {
        "runs": list(CobRun.objects.order_by("date").values_list("date", "status", "accounts", "delinquent", "transitions")),
        "loans": list(LoanAccount.objects.order_by("external_id").values_list(
            "external_id", "dpd", "bucket", "overdue_amount", "outstanding_balance", "delinquent_since"
        )),
        "snapshots": list(DelinquencySnapshot.objects.order_by("date", "account__external_id").values_list(
            "date", "account__external_id", "dpd", "bucket", "previous_bucket", "overdue_amount",
            "outstanding_balance", "status",
        )),
        "transitions": list(BucketTransition.objects.order_by("date", "account__external_id").values_list(
            "date", "account__external_id", "from_bucket", "to_bucket", "balance", "overdue_amount"
        )),
        "totals": list(BucketDailyTotal.objects.order_by("date", "bucket", "currency").values_list(
            "date", "bucket", "currency", "accounts", "overdue_amount", "outstanding_balance"
        )),
        "cases": list(Case.objects.order_by("account__external_id", "opened_on").values_list(
            "account__external_id", "opened_on", "status", "closed_on", "close_reason", "bucket", "dpd",
            "overdue_amount", "priority",
        )),
    }  # fmt: skip


def uninterrupted(day: dt.date) -> dict[str, list[tuple[Any, ...]]]:
    """What COB of ``day`` leaves, computed in a transaction that is then rolled back (the book is unchanged)."""
    with transaction.atomic():
        book_close(business_date=day)
        results = cob_results()
        transaction.set_rollback(True)
    return results


def test_a_worker_killed_in_the_middle_of_cob_leaves_nothing_and_the_task_is_redone_by_the_next_worker(
    celery_workers: CeleryWorkers,
):
    # Given a seeded book closed up to the day before, and what an uninterrupted COB of today gives
    demo_book_seed(accounts=300, seed=11, months=2, today=TODAY)
    *history, day = history_dates(today=TODAY, months=2, daily=False)
    for past in history:
        book_close(business_date=past)
    before = cob_results()
    expected = uninterrupted(day)
    assert cob_results() == before
    assert expected["transitions"] != before["transitions"] and expected["cases"] != before["cases"]

    # When a worker runs COB of today and is killed while the COB transaction waits on the daily totals
    # (transitions and snapshots written, not committed), with a lock a second session holds
    with second_session("LOCK TABLE accounts_bucketdailytotal IN SHARE MODE"):
        result = nightly_close_task.apply_async(args=[day.isoformat()], kwargs={"assign": False, "plan": False}, queue=celery_workers.queue)
        celery_workers.start(visibility_timeout=VISIBILITY_TIMEOUT)
        cob_session = session_waiting_for_lock("DELETE FROM accounts_bucketdailytotal")
        celery_workers.kill()
        taken_at = taken_and_unacknowledged(result.id)

    # Then the broker still holds the task as taken and not acknowledged, and the dead worker's
    # transaction is rolled back as soon as its session notices the client is gone: nothing is visible
    assert taken_at is not None
    wait_until(lambda: session_gone(cob_session), timeout=10, what="the killed worker's session to end")
    assert cob_results() == before

    # When a new worker starts once the visibility timeout has passed
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 0.2 - time.time()))
    second = celery_workers.start(visibility_timeout=VISIBILITY_TIMEOUT)

    # Then it gets the task again, runs it, and the book is exactly as after an uninterrupted COB
    answer = result.get(timeout=30)
    assert answer["date"] == day.isoformat()
    assert CobRun.objects.get(date=day).worker == second
    assert cob_results() == expected
    assert taken_and_unacknowledged(result.id) is None
