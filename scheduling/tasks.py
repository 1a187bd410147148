"""Celery tasks of scheduling: the worker heartbeat and the months' partitions. (Collection work's scheduled tasks are
``collections_app.tasks``; the schedule itself is ``scheduling.beat``.)"""

from __future__ import annotations

import socket
from typing import Any

from celery import shared_task
from django.utils import timezone

from config.partitions import partitions_ensure
from scheduling.heartbeat import worker_heartbeat_record


@shared_task(bind=True, acks_late=True, ignore_result=True, expires=120)
def worker_heartbeat_task(self: Any) -> None:
    """Record that this worker is alive (every minute; a beat left waiting over two minutes is dropped)."""
    worker_heartbeat_record(hostname=self.request.hostname or socket.gethostname(), at=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def partitions_ensure_task() -> list[str]:
    """Make the monthly partitions of the months ahead (PostgreSQL; nothing elsewhere). Safe to run twice."""
    return partitions_ensure()
