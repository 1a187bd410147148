"""The embedded scheduler: without a broker, the dev server runs the beat schedule in a thread.

The scheduler runs for real here (django-celery-beat's scheduler on the test database, in its own
thread), so the tests wait for what a user would see happen: a callback checked when due, a
worker heartbeat written, the run recorded on the schedule's row.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
from celery.signals import task_postrun
from django.core.management import get_commands
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from scheduling.beat import beat_schedule_ensure
from scheduling.embedded import EmbeddedScheduler, embedded_scheduler_start, embedded_wanted
from scheduling.heartbeat import worker_heartbeat_latest
from scheduling.models import Callback
from tests.collections_app.promise_book import make_case
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db(transaction=True)


def eventually(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.fixture
def start(presets: None) -> Iterator[Callable[[], EmbeddedScheduler]]:
    threads: list[EmbeddedScheduler] = []

    def starter() -> EmbeddedScheduler:
        thread = embedded_scheduler_start(app, max_interval=0.5)
        threads.append(thread)
        return thread

    yield starter
    for thread in threads:
        thread.stop()
        assert not thread.is_alive()


@pytest.fixture
def finished() -> Iterator[list[tuple[str, str]]]:
    """(task name, state) of every task run to its end, recorded by Celery's own signal in the
    scheduler's thread: waiting on it keeps the test from reading the database while a job writes."""
    runs: list[tuple[str, str]] = []

    def record(sender: object = None, state: str = "", **kwargs: object) -> None:
        runs.append((getattr(sender, "name", ""), state))

    task_postrun.connect(record, weak=False)
    yield runs
    task_postrun.disconnect(record)


def beaten_since(started: dt.datetime) -> Callable[[], bool]:
    """Whether a worker heartbeat was written after ``started`` (in the rows or the shared cache)."""

    def check() -> bool:
        latest = worker_heartbeat_latest()
        return latest is not None and latest.at >= started

    return check


def only_due(name: str) -> None:
    """The shipped schedule with only ``name`` on, its last run long enough ago to be due now."""
    beat_schedule_ensure()
    PeriodicTask.objects.exclude(name=name).update(enabled=False)
    PeriodicTask.objects.filter(name=name).update(last_run_at=timezone.now() - dt.timedelta(minutes=30))


def test_a_callback_that_fell_due_is_checked_again_without_any_worker(start, finished):
    case = make_case(make_agent(make_team("M1 Team", ["M1"]), "ann"))
    callback = Callback.objects.create(
        case=case, agent=case.agent, due_at=timezone.now() - dt.timedelta(minutes=10), reason=Callback.Reason.AGENT
    )
    only_due("callbacks-due")

    thread = start()
    assert eventually(lambda: any(name.endswith("callbacks_due_task") for name, _state in finished))
    thread.stop()

    assert finished[0] == ("collections_app.tasks.callbacks_due_task", "SUCCESS")
    assert Callback.objects.get(pk=callback.pk).checked_at is not None


HEARTBEAT = "scheduling.tasks.worker_heartbeat_task"


def test_the_run_is_recorded_on_the_schedule_a_supervisor_edits(start, finished):
    only_due("worker-heartbeat")

    started = timezone.now()
    thread = start()
    assert eventually(lambda: (HEARTBEAT, "SUCCESS") in finished)
    thread.stop()  # stopping writes the run times back

    assert beaten_since(started)()
    task = PeriodicTask.objects.get(name="worker-heartbeat")
    assert task.total_run_count >= 1
    assert task.last_run_at is not None and timezone.now() - task.last_run_at < dt.timedelta(minutes=1)


def test_a_disabled_entry_does_not_run(start, finished):
    only_due("worker-heartbeat")
    PeriodicTask.objects.filter(name="worker-heartbeat").update(enabled=False)

    started = timezone.now()
    thread = start()
    time.sleep(3)

    assert thread.is_alive()
    thread.stop()
    assert finished == []
    assert not beaten_since(started)()


def test_a_failing_task_does_not_stop_the_others(start, finished):
    only_due("worker-heartbeat")
    PeriodicTask.objects.create(  # same time, wrong arguments: it raises every time it runs
        name="broken",
        task="scheduling.tasks.worker_heartbeat_task",
        args="[1, 2, 3]",
        crontab=PeriodicTask.objects.get(name="worker-heartbeat").crontab,
        last_run_at=timezone.now() - dt.timedelta(minutes=30),
    )

    started = timezone.now()
    thread = start()
    assert eventually(lambda: {(HEARTBEAT, "SUCCESS"), (HEARTBEAT, "FAILURE")} <= set(finished))
    thread.stop()

    assert beaten_since(started)()
    assert PeriodicTask.objects.get(name="broken").total_run_count >= 1  # it ran, failed, and stays scheduled
    assert PeriodicTask.objects.get(name="broken").enabled


def test_it_runs_only_without_a_broker(settings):
    settings.EMBEDDED_SCHEDULER, settings.CELERY_BROKER_URL = True, ""
    assert embedded_wanted()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert not embedded_wanted()
    settings.EMBEDDED_SCHEDULER, settings.CELERY_BROKER_URL = False, ""
    assert not embedded_wanted()


def test_runserver_is_the_command_that_starts_it():
    assert get_commands()["runserver"] == "scheduling"
