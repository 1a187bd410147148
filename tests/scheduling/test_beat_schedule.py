"""The shipped beat schedule: created by a data migration through ``beat_schedule_ensure``, never overwritten.

The tests call ``beat_schedule_ensure`` first: a browser test before them may have flushed the
migration's rows.
"""

from __future__ import annotations

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from scheduling.beat import beat_schedule_ensure

pytestmark = pytest.mark.django_db

EXPECTED = {
    "reservations-expire": ("collections_app.tasks.reservations_expire_task", "*", "*"),
    "callbacks-due": ("collections_app.tasks.callbacks_due_task", "*/5", "*"),
    "nightly-close": ("collections_app.tasks.nightly_close_task", "0", "1"),
    "promises-settle": ("collections_app.tasks.promises_settle_task", "30", "2"),
    "messages-requeue": ("collections_app.tasks.messages_requeue_task", "*/5", "*"),
    "strategy-plan-intraday": ("collections_app.tasks.plan_run_task", "0", "12"),
    "strategy-sends": ("collections_app.tasks.plan_sends_task", "*/5", "*"),
}


def schedule() -> dict[str, tuple[str, str, str]]:
    """The shipped entries as they stand (other features ship periodic tasks of their own)."""
    return {
        name: (task, minute, hour)
        for name, task, minute, hour in PeriodicTask.objects.filter(name__in=EXPECTED).values_list(
            "name", "task", "crontab__minute", "crontab__hour"
        )
    }


def test_the_shipped_schedule_has_its_periodic_tasks_in_utc():
    beat_schedule_ensure()

    assert schedule() == EXPECTED
    zones = CrontabSchedule.objects.filter(periodictask__name__in=EXPECTED).values_list("timezone", flat=True)
    assert {str(zone) for zone in zones} == {"UTC"}


def test_every_scheduled_task_is_a_registered_celery_task():
    from config.celery import app

    app.loader.import_default_modules()
    assert {task for task, _minute, _hour in EXPECTED.values()} <= set(app.tasks)


def test_ensuring_again_creates_nothing_and_keeps_a_supervisors_changes():
    beat_schedule_ensure()
    PeriodicTask.objects.filter(name="promises-settle").update(enabled=False)
    PeriodicTask.objects.filter(name="nightly-close").delete()

    created = beat_schedule_ensure()
    again = beat_schedule_ensure()

    assert (created, again) == (["nightly-close"], [])
    assert schedule() == EXPECTED
    assert PeriodicTask.objects.get(name="promises-settle").enabled is False
