"""Celery tasks of collection work: the nightly chain (COB, then assignment) and assignment alone."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task

from accounts.services.cob import business_today, cob_run
from collections_app.services.assignment import cases_assign
from collections_app.services.promise_matching import promises_settle


@shared_task(acks_late=True)
def cases_assign_task(today: str | None = None) -> dict[str, object]:
    result = cases_assign(today=date.fromisoformat(today) if today else None)
    return {"moved": result.moved, "by_reason": result.by_reason, "unplaced": result.unplaced}


@shared_task(bind=True, acks_late=True)
def nightly_close_task(self, business_date: str | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """COB for the business date (default: yesterday), then assignment. Safe to run twice."""
    day = date.fromisoformat(business_date) if business_date else business_today() - timedelta(days=1)
    cob = cob_run(business_date=day, worker="" if self.request.is_eager else (self.request.hostname or ""))
    assigned = cases_assign(today=day + timedelta(days=1)) if cob.is_latest else None
    return {
        "date": day.isoformat(),
        "accounts": cob.accounts,
        "moved": assigned.moved if assigned else 0,
    }


@shared_task(acks_late=True)
def promises_settle_task(today: str | None = None) -> dict[str, int]:
    """Settle the promises past their date plus grace days (default: the book's today). Safe to run twice."""
    return promises_settle(today=date.fromisoformat(today) if today else business_today()).as_dict()


# The report tasks live in their own module; importing it here registers them with the worker.
from collections_app import reports_tasks  # noqa: E402, F401
