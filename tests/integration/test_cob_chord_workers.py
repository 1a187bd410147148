"""The nightly close split into account-id ranges as a Celery chord: two real worker processes leave
exactly the rows one worker leaves, and the rows of the close in one piece, in-process."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.demo.book import demo_book_seed, history_dates
from accounts.models import CobRun
from collections_app.models import AssignmentRecord, Case
from collections_app.services.close import book_close
from collections_app.tasks import nightly_close_task
from tests.factories import make_agent, make_team
from tests.integration.test_faults_cob_worker import cob_results
from tests.workers import CeleryWorkers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 3, 12)
RANGE = 40  # account ids per range: the 300-account book is closed in 8 parts


def fresh_book() -> dt.date:
    """The same seeded book every time, closed up to the day before, with a team to assign to."""
    call_command("flush", "--noinput")
    demo_book_seed(accounts=300, seed=11, months=2, today=TODAY)
    *history, day = history_dates(today=TODAY, months=2, daily=False)
    for past in history:
        book_close(business_date=past)
    team = make_team("All", ["M1", "M2", "M3", "M4", "M5", "M6", "M6+"])
    for n in range(3):
        make_agent(team, f"agent-{n}", capacity=500)
    return day


def close_results() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the nightly close writes, by natural keys: COB's rows, the cases, the assignment."""
    return {
        **cob_results(),
        "assigned": list(Case.objects.order_by("account__external_id", "opened_on").values_list(
            "account__external_id", "opened_on", "team__name", "agent__user__username"
        )),
        "records": sorted(AssignmentRecord.objects.values_list(
            "case__account__external_id", "to_team__name", "to_agent__user__username", "reason"
        )),
    }  # fmt: skip


def close_in_workers(workers: CeleryWorkers, how_many: int, day: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    for _ in range(how_many):
        workers.start()
    result = nightly_close_task.apply_async(args=[day.isoformat()], kwargs={"range_accounts": RANGE}, queue=workers.queue)
    answer = result.get(timeout=180)
    workers.stop()
    return answer, close_results()


def test_two_workers_closing_the_book_by_account_ranges_leave_the_rows_one_worker_leaves(
    celery_workers: CeleryWorkers,
):
    # Given a book of 300 accounts, and what the close in one piece in this process leaves
    day = fresh_book()
    nightly_close_task.apply(args=[day.isoformat()])
    in_one_piece = close_results()
    assert in_one_piece["transitions"] and in_one_piece["records"]  # the close has work to do

    # When the same book is closed by one worker, in ranges
    day = fresh_book()
    answer_one, by_one = close_in_workers(celery_workers, 1, day)

    # And again from scratch by two workers, in ranges
    day = fresh_book()
    answer_two, by_two = close_in_workers(celery_workers, 2, day)

    # Then the close was split into ranges, run by the workers started, and every row is the same
    assert len(answer_one["ranges"]) == len(answer_two["ranges"]) == 8
    assert sum(part["accounts"] for part in answer_two["ranges"]) == answer_two["accounts"] > 0
    assert {part["worker"].split("@")[0] for part in answer_two["ranges"]} <= {
        celery_workers.queue + "-2", celery_workers.queue + "-3"
    }
    assert by_two == by_one == in_one_piece
    assert {k: v for k, v in answer_two.items() if k != "ranges"} == {k: v for k, v in answer_one.items() if k != "ranges"}
    assert CobRun.objects.get(date=day).status == CobRun.Status.DONE


def test_two_split_closes_of_a_date_dispatched_at_once_never_mix_their_ranges(celery_workers: CeleryWorkers):
    # Given the book and what the close in one piece leaves
    day = fresh_book()
    nightly_close_task.apply(args=[day.isoformat()])
    in_one_piece = close_results()
    day = fresh_book()

    # When the close of the date is dispatched twice at once (a second beat, a hand-made rerun)
    for _ in range(2):
        celery_workers.start()
    kwargs = {"range_accounts": RANGE}
    first, second = (
        nightly_close_task.apply_async(args=[day.isoformat()], kwargs=kwargs, queue=celery_workers.queue)
        for _ in range(2)
    )
    answers = []
    for result in (first, second):
        try:
            answers.append(result.get(timeout=180))
        except Exception:  # noqa: BLE001 - a close whose stage the other dispatch replaced fails whole
            answers.append(None)
    celery_workers.stop()

    # Then each close either failed whole or wrote from its own ranges: the rows of the close in one piece
    assert any(answers)
    assert close_results() == in_one_piece
    assert not [t for t in connection.introspection.table_names() if t.startswith("cob_stage_")]


def test_a_book_that_fits_in_one_range_is_closed_in_one_piece_in_the_worker(celery_worker_process: str):
    day = fresh_book()

    answer = nightly_close_task.apply_async(args=[day.isoformat()], queue=celery_worker_process).get(timeout=120)

    assert "ranges" not in answer and answer["accounts"] > 0
