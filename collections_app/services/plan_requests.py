"""A supervisor's "Run the plan" from the strategies screen, run by a worker rather than inside the web
request: the request is recorded as queued (committed), the caller queues ``plan_run_task`` with its id, and the task runs the plan and records what it did (or why it failed).

Without a broker (the embedded default of ``make run``) Celery runs the task in-process at once, so the
screen reads it finished on its next page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from collections_app.models import PlanRequest, PlanRun
from collections_app.services import clock
from collections_app.services.plan import plan_run


@transaction.atomic
def plan_request_create(
    *, today: dt.date, user: User | None, kind: str = PlanRun.Kind.INTRADAY
) -> PlanRequest:
    """Record a run of the plan for ``today`` as queued; the caller queues the task once it is committed."""
    return PlanRequest.objects.create(date=today, kind=kind, requested_at=clock.now(), requested_by=user)


def plan_request_run(*, request_id: int) -> PlanRequest | None:
    """Run a queued request's plan and record the outcome. Safe to run twice: only a queued request is
    claimed (a conditional update), so a second delivery of the task finds nothing to do (None).

    The plan runs each strategy in its own transaction (``plan_run``); a failure marks the request failed
    with the error and is raised again for the worker to log.
    """
    claimed = PlanRequest.objects.filter(pk=request_id, status=PlanRequest.Status.QUEUED).update(
        status=PlanRequest.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    request = PlanRequest.objects.select_related("requested_by").get(pk=request_id)
    try:
        result = plan_run(today=request.date, now=clock.now(), kind=request.kind, user=request.requested_by)
    except Exception as error:
        request.status, request.error, request.finished_at = (
            PlanRequest.Status.FAILED,
            str(error),
            timezone.now(),
        )
        request.save(update_fields=["status", "error", "finished_at"])
        raise
    request.status, request.finished_at = PlanRequest.Status.FINISHED, timezone.now()
    request.assigned = sum(run.assigned for run in result.runs)
    request.created = result.created
    request.stopped = sum(run.stopped for run in result.runs)
    request.save(update_fields=["status", "finished_at", "assigned", "created", "stopped"])
    return request
