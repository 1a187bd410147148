"""Celery tasks of the book. They take plain values, call one service and are safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from accounts.services.cob import business_today, cob_run


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def cob_run_task(self, business_date: str | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Close business for a date (ISO string; default: yesterday in the book's calendar)."""
    day = date.fromisoformat(business_date) if business_date else business_today().fromordinal(
        business_today().toordinal() - 1
    )
    hostname = "" if self.request.is_eager else (self.request.hostname or "")
    result = cob_run(business_date=day, worker=hostname)
    return {"date": result.date.isoformat(), "accounts": result.accounts, "transitions": result.transitions}
