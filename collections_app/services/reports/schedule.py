"""The report jobs on the Celery beat schedule (django-celery-beat), which supervisors may then edit.

``reports_schedule_ensure()`` creates the periodic tasks that are missing and leaves existing ones
alone (a supervisor's change survives every deploy), like ``scheduling.beat``. It runs from a
data migration and can run again at any time. Times are UTC:

- ``reports-nightly``: 03:30, after the nightly close (01:00) and the promise settlement (02:30):
  the latest COB date's figures, the day before's again, and the month's matrices and forecast.
- ``reports-agents-intraday``: every 15 minutes, today's agent figures so far.
"""

from __future__ import annotations

from typing import Any

from django.apps.registry import Apps

from scheduling.beat import Entry

REPORT_ENTRIES = (
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
)


def reports_schedule_ensure(*, apps: Apps | None = None) -> list[str]:
    """Create the report jobs' periodic tasks that are missing; return the names created."""
    if apps is None:
        from django.apps import apps as installed

        apps = installed
    crontabs: Any = apps.get_model("django_celery_beat", "CrontabSchedule")
    tasks: Any = apps.get_model("django_celery_beat", "PeriodicTask")
    existing = set(tasks.objects.filter(name__in=[e.name for e in REPORT_ENTRIES]).values_list("name", flat=True))
    created = []
    for entry in REPORT_ENTRIES:  # two rows, once per deploy
        if entry.name in existing:
            continue
        fields = {
            "minute": entry.minute, "hour": entry.hour, "day_of_week": "*", "day_of_month": "*",
            "month_of_year": "*", "timezone": "UTC",
        }
        crontab = crontabs.objects.filter(**fields).order_by("pk").first() or crontabs.objects.create(**fields)
        tasks.objects.create(name=entry.name, task=entry.task, crontab=crontab, description=entry.description)
        created.append(entry.name)
    return created
