"""Celery tasks of contact scheduling. They call one service and are safe to run twice."""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from scheduling.engine import attempts_expire
from scheduling.heartbeat import worker_heartbeat_record
from scheduling.services.callbacks import callbacks_due


@shared_task(acks_late=True)
def reservations_expire_task() -> int:
    """Mark unreported reservations past their expiry as expired (they keep counting as attempts)."""
    return attempts_expire()


@shared_task(acks_late=True)
def callbacks_due_task(now: str | None = None) -> dict[str, int]:
    """Check again the callbacks that came due; mark the answered, the no longer allowed, the missed."""
    return callbacks_due(now=datetime.fromisoformat(now) if now else timezone.now()).as_dict()


@shared_task(bind=True, acks_late=True, ignore_result=True, expires=120)
def worker_heartbeat_task(self: Any) -> None:
    """Record that this worker is alive (every minute; a beat left waiting over two minutes is dropped)."""
    worker_heartbeat_record(hostname=self.request.hostname or socket.gethostname(), at=timezone.now())
