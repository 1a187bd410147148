"""The shipped Celery beat schedule (django-celery-beat), which supervisors may then edit in the admin.

``beat_schedule_ensure()`` creates the periodic tasks that are missing and leaves existing ones
as they are (a supervisor's change to a time, or a disabled task, survives every deploy). It runs
from a data migration, and can run again at any time.

This is the one place the schedule is declared (the tasks it names are strings: nothing here
imports them). All times are UTC:

- ``reservations-expire``: every minute, unreported dial reservations expire (they keep counting).
- ``callbacks-due``: every 5 minutes, callbacks coming due are checked again against the engine.
- ``nightly-close``: 01:00, close of business for yesterday and the cases, then assignment.
- ``promises-settle``: 02:30, promises past their date plus grace days are settled, follow-ups
  scheduled and case priorities recomputed (after the nightly close, so on fresh balances).
- ``reports-nightly``: 03:30, after the nightly close and the promise settlement: the latest COB
  date's figures, the day before's again, and the month's matrices and forecast.
- ``reports-agents-intraday``: every 15 minutes, today's agent figures so far.
- ``messages-requeue``: every 5 minutes, queued messages that no sender took up are sent again.
- ``strategy-plan-intraday``: 12:00, the treatment strategies' plan refreshed for today (accounts that
  came into a segment, actions a stop condition now holds for); the nightly close runs the plan itself.
- ``strategy-sends``: every 5 minutes, the plan's messages whose time has come go to the messaging service.
- ``qa-sample-weekly``: Mondays 04:00, the last week's sample of calls for quality review.
- ``worker-heartbeat``: every minute, a worker records that it is alive (``/health/`` reads it).
- ``partitions-ensure``: 00:30, the monthly partitions of the tables that grow with time made for
  the months ahead on PostgreSQL (``config.partitions``; COB makes its date's month too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps
from django_celery_beat.models import CrontabSchedule, PeriodicTask


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    minute: str
    hour: str
    description: str
    day_of_week: str = "*"


SHIPPED = (
    Entry(
        "reservations-expire",
        "collections_app.tasks.reservations_expire_task",
        "*",
        "*",
        "Unreported dial reservations past their expiry are marked expired.",
    ),
    Entry(
        "callbacks-due",
        "collections_app.tasks.callbacks_due_task",
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
        "reports-nightly",
        "collections_app.reports_tasks.reports_nightly_task",
        "30",
        "3",
        "Report aggregates of the latest close of business: balances, rolls, entry and exit, vintage, forecast, agents.",
    ),
    Entry(
        "reports-agents-intraday",
        "collections_app.reports_tasks.reports_agents_intraday_task",
        "*/15",
        "*",
        "Today's agent, team and bucket efficiency so far.",
    ),
    Entry(
        "promises-settle",
        "collections_app.tasks.promises_settle_task",
        "30",
        "2",
        "Promises past their date plus grace days are settled; follow-ups and priorities follow.",
    ),
    Entry(
        "messages-requeue",
        "collections_app.tasks.messages_requeue_task",
        "*/5",
        "*",
        "Queued messages no sender took up (a broker down at the commit) are handed to the sender again.",
    ),
    Entry(
        "strategy-plan-intraday",
        "collections_app.tasks.plan_run_task",
        "0",
        "12",
        "The treatment strategies' plan refreshed for today: new members of a segment, stopped actions.",
    ),
    Entry(
        "strategy-sends",
        "collections_app.tasks.plan_sends_task",
        "*/5",
        "*",
        "The plan's messages whose time has come are decided by the compliance engine and queued.",
    ),
    Entry(
        "qa-sample-weekly",
        "collections_app.tasks.qa_sample_task",
        "0",
        "4",
        "The last week's calls sampled for quality review: a share per agent at random, every call behind a "
        "complaint or a compliance exception.",
        day_of_week="1",
    ),
    Entry(
        "worker-heartbeat",
        "scheduling.tasks.worker_heartbeat_task",
        "*",
        "*",
        "A worker records the time and its host name; /health/ reports how old the latest beat is.",
    ),
    Entry(
        "partitions-ensure",
        "scheduling.tasks.partitions_ensure_task",
        "30",
        "0",
        "PostgreSQL: the monthly partitions of snapshots, transitions, assignment records and audit entries "
        "are made for the months ahead (rows of a month without one wait in the default partition).",
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
        crontabs, tasks = CrontabSchedule, PeriodicTask
    existing = set(tasks.objects.filter(name__in=[e.name for e in SHIPPED]).values_list("name", flat=True))
    created = []
    for entry in SHIPPED:  # a dozen rows, once per deploy
        if entry.name in existing:
            continue
        fields = {
            "minute": entry.minute,
            "hour": entry.hour,
            "day_of_week": entry.day_of_week,
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


# Tasks that moved to another module: the rows a deploy made before keep their name, not the path.
MOVED = {
    "scheduling.tasks.reservations_expire_task": "collections_app.tasks.reservations_expire_task",
    "scheduling.tasks.callbacks_due_task": "collections_app.tasks.callbacks_due_task",
}


def beat_tasks_moved(*, apps: Apps) -> int:
    """Point the periodic tasks at the moved tasks' new paths (a supervisor's times and switches stay)."""
    tasks: Any = apps.get_model("django_celery_beat", "PeriodicTask")
    return sum(tasks.objects.filter(task=old).update(task=new) for old, new in MOVED.items())
