"""Celery tasks of contact scheduling. They call one service and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from scheduling.engine import attempts_expire


@shared_task(acks_late=True)
def reservations_expire_task() -> int:
    """Mark unreported reservations past their expiry as expired (they keep counting as attempts)."""
    return attempts_expire()
