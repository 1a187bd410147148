"""The shipped Celery beat schedule (django-celery-beat), which supervisors may then edit in the admin.

``beat_schedule_ensure()`` creates the periodic tasks that are missing and leaves existing ones
as they are (a supervisor's change to a time, or a disabled task, survives every deploy). It runs
from a data migration, and can run again at any time.

All times are UTC:

- ``reservations-expire``: every minute, unreported dial reservations expire (they keep counting).
- ``callbacks-due``: every 5 minutes, callbacks coming due are checked again against the engine.
- ``nightly-close``: 01:00, close of business for yesterday, then assignment.
- ``promises-settle``: 02:30, promises past their date plus grace days are settled, follow-ups
  scheduled and case priorities recomputed (after the nightly close, so on fresh balances).
- ``worker-heartbeat``: every minute, a worker records that it is alive (``/health/`` reads it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    minute: str
    hour: str
    description: str


SHIPPED = (
    Entry(
        "reservations-expire",
        "scheduling.tasks.reservations_expire_task",
        "*",
        "*",
        "Unreported dial reservations past their expiry are marked expired.",
    ),
    Entry(
        "callbacks-due",
        "scheduling.tasks.callbacks_due_task",
        "*/5",
        "*",
        "Callbacks coming due are checked again against the compliance engine; old ones are marked missed.",
    ),
    Entry(
        "nightly-close",
        "collections_app.tasks.nightly_close_task",
        "0",
        "1",
        "Close of business for yesterday (DPD, buckets, cases, snapshots), then assignment.",
    ),
    Entry(
        "promises-settle",
        "collections_app.tasks.promises_settle_task",
        "30",
        "2",
        "Promises past their date plus grace days are settled; follow-ups and priorities follow.",
    ),
    Entry(
        "worker-heartbeat",
        "scheduling.tasks.worker_heartbeat_task",
        "*",
        "*",
        "A worker records the time and its host name; /health/ reports how old the latest beat is.",
    ),
)


def beat_schedule_ensure(*, apps: Apps | None = None) -> list[str]:
    """Create the shipped periodic tasks that are missing; return the names created."""
    crontabs: Any
    tasks: Any
    if apps is not None:
        crontabs = apps.get_model("django_celery_beat", "CrontabSchedule")
        tasks = apps.get_model("django_celery_beat", "PeriodicTask")
    else:
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        crontabs, tasks = CrontabSchedule, PeriodicTask
    existing = set(tasks.objects.filter(name__in=[e.name for e in SHIPPED]).values_list("name", flat=True))
    created = []
    for entry in SHIPPED:  # five rows, once per deploy
        if entry.name in existing:
            continue
        fields = {
            "minute": entry.minute,
            "hour": entry.hour,
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            "timezone": "UTC",
        }
        crontab = crontabs.objects.filter(**fields).order_by("pk").first() or crontabs.objects.create(
            **fields
        )
        tasks.objects.create(name=entry.name, task=entry.task, crontab=crontab, description=entry.description)
        created.append(entry.name)
    return created
