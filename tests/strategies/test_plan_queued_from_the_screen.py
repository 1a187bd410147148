""" "Run the plan" on the strategies screen queues the plan for a worker (``plan_run_task``) instead of
running it inside the web request; the screen shows it queued, then what the run did once it has run
(in-process at once without a broker, as on ``make run``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from collections_app import roles, tasks
from collections_app.models import PlanRequest, PlanRun
from collections_app.services import clock
from tests.factories import UserFactory
from tests.strategies.book import NOW, account, shipped
from tests.strategies.plan_book import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_the_book_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def sue() -> Client:
    roles.roles_ensure()
    shipped()
    user = UserFactory(username="sue")
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    client = Client()
    client.force_login(user)
    for due_in in (3, 1):
        account(due_in=due_in)
    open_case(account(due_in=-4, dpd=4, bucket="M1"))
    return client


def test_the_button_queues_the_task_and_the_screen_shows_it_queued_then_finished(
    sue, monkeypatch
):
    queued: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.plan_run_task, "delay", lambda **kwargs: queued.append(kwargs))  # no worker yet

    answer = sue.post("/strategies/plan/", follow=True)

    asked = PlanRequest.objects.get()
    assert queued == [{"request_id": asked.pk}]
    assert not PlanRun.objects.exists()  # nothing ran inside the request
    page = answer.content.decode()
    assert f"Plan for {NOW.date().isoformat()} queued; this page shows when it has run." in page
    assert f'data-plan-request="{asked.pk}" data-status="queued"' in page and "waiting for a worker." in page
    assert 'hx-get="/strategies/plan/status/" hx-trigger="every 3s"' in page  # the panel polls while it waits

    tasks.plan_run_task(request_id=asked.pk)  # the worker picks it up

    panel = sue.get("/strategies/plan/status/").content.decode()
    asked.refresh_from_db()
    assert (asked.status, asked.assigned, asked.created, asked.requested_by.username) == (
        "finished",
        3,
        3,
        "sue",
    )
    assert f'data-plan-request="{asked.pk}" data-status="finished"' in panel
    assert "3 accounts given an arm, 3 actions recorded, 0 stopped." in panel
    assert "hx-trigger" not in panel  # done: no more polling
    assert PlanRun.objects.get().kind == "intraday"


def test_without_a_broker_the_plan_runs_at_once_and_the_page_says_what_it_did(sue):
    answer = sue.post("/strategies/plan/", follow=True)

    page = answer.content.decode()
    assert "3 accounts given an arm, 3 actions recorded" in page
    assert (
        PlanRequest.objects.get().status == "finished" and PlanRun.objects.get().started_by.username == "sue"
    )


def test_a_second_delivery_of_the_task_runs_nothing_again(sue, monkeypatch):
    monkeypatch.setattr(tasks.plan_run_task, "delay", lambda **kwargs: None)
    sue.post("/strategies/plan/")
    asked = PlanRequest.objects.get()

    first = tasks.plan_run_task(request_id=asked.pk)
    second = tasks.plan_run_task(request_id=asked.pk)

    assert first == {"request": asked.pk, "status": "finished"}
    assert second == {"request": asked.pk, "status": "already run"}
    assert PlanRun.objects.count() == 1


def test_a_failed_run_is_shown_failed_with_its_error(sue, monkeypatch):
    monkeypatch.setattr(tasks.plan_run_task, "delay", lambda **kwargs: None)
    sue.post("/strategies/plan/")
    asked = PlanRequest.objects.get()

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the book is being closed")

    monkeypatch.setattr("collections_app.services.plan_requests.plan_run", broken)
    with pytest.raises(RuntimeError):
        tasks.plan_run_task(request_id=asked.pk)

    panel = sue.get("/strategies/plan/status/").content.decode()
    assert 'data-status="failed"' in panel and "the book is being closed" in panel
