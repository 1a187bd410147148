"""The embedded scheduler: the beat schedule run inside the dev server when there is no broker.

With ``CELERY_BROKER_URL`` unset there is no worker and no ``celery beat``; tasks run eagerly in
the process that sends them. Left at that, a demo on ``make run`` would stand still: promises
would never settle, callbacks never fall due, the intraday agent figures never refresh.
``runserver`` therefore starts this scheduler in a thread (``EMBEDDED_SCHEDULER``, on by default
without a broker): it is django-celery-beat's own ``DatabaseScheduler`` reading the same
``PeriodicTask`` rows a supervisor edits in the admin (``scheduling.beat``), except that a due
task runs here, in this thread, instead of being sent to a broker.

As with ``celery beat``, an entry whose time passed while nothing ran (the server was stopped
over the 01:00 close, say) runs once on start, then keeps its schedule. A task that fails is
logged and waits for its next time; the scheduler goes on.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery
from celery.beat import Service
from django.conf import settings
from django.db import close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# How long the thread sleeps at most between two looks at the schedule (seconds).
MAX_INTERVAL = 5.0


def embedded_wanted() -> bool:
    """Whether the dev server should run the schedule itself: ``EMBEDDED_SCHEDULER``, on without a broker."""
    return bool(getattr(settings, "EMBEDDED_SCHEDULER", False)) and not settings.CELERY_BROKER_URL


class InProcessScheduler(DatabaseScheduler):
    """``DatabaseScheduler`` that runs each due task in its own thread rather than sending it."""

    @property  # type: ignore[override]
    def producer(self) -> None:  # nothing is ever published
        return None

    def install_default_entries(self, data: Any) -> None:
        """No ``celery.backend_cleanup``: there is no result backend to clean."""

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any) -> Any:
        entry = self.reserve(entry) if advance else entry
        task = self.app.tasks.get(entry.task)
        try:
            if task is None:
                logger.error("embedded scheduler: no task %s (entry %s)", entry.task, entry.name)
                return None
            result = task.apply(entry.args, entry.kwargs, throw=False)
            if result.failed():
                logger.error("embedded scheduler: %s failed: %r", entry.name, result.result)
            else:
                logger.info("embedded scheduler: %s done", entry.name)
            return result
        finally:
            close_old_connections()
            self._tasks_since_sync += 1
            if self.should_sync():
                self._do_sync()


class EmbeddedScheduler(threading.Thread):
    """The schedule's service in a daemon thread; ``stop()`` ends it and writes the run times."""

    def __init__(self, app: Celery, *, max_interval: float = MAX_INTERVAL) -> None:
        super().__init__(name="embedded-scheduler", daemon=True)
        self.app = app
        self.service = Service(app, max_interval=max_interval, scheduler_cls=InProcessScheduler)

    def run(self) -> None:
        self.app.set_current()
        self.app.loader.import_default_modules()  # the tasks' modules, as a worker imports them
        try:
            self.service.start()
        finally:
            close_old_connections()

    def stop(self, timeout: float = 30.0) -> None:
        self.service.stop(wait=False)
        self.join(timeout)


def embedded_scheduler_start(app: Celery, *, max_interval: float = MAX_INTERVAL) -> EmbeddedScheduler:
    """Start the schedule in this process (the caller checked ``embedded_wanted()``)."""
    thread = EmbeddedScheduler(app, max_interval=max_interval)
    thread.start()
    logger.info("embedded scheduler started: the beat schedule runs in this process (no broker)")
    return thread
