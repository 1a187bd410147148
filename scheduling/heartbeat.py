"""Worker heartbeats: ``worker_heartbeat_task`` (every minute on the beat schedule) records that a worker ran.

``/health/`` reads the latest beat: its age says whether some worker still consumes the default
queue (and beat still sends). Where the beat is kept:

- a cache key, when the default cache is Redis (shared by every process, no table write a minute);
- else one row per worker in ``WorkerHeartbeat``: a local-memory cache is private to one process.

Web processes, workers and beat must therefore run with the same ``CACHE_URL`` /
``CELERY_BROKER_URL``, so that the reader looks where the writer wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from config.cache import backend_is_redis
from scheduling.models import WorkerHeartbeat

CACHE_KEY = "cw:worker-heartbeat"
CACHE_TIMEOUT = 7 * 24 * 3600
ROWS_KEPT_FOR = dt.timedelta(days=7)  # rows of workers that stopped beating (old hosts) go after this


@dataclass(frozen=True)
class Heartbeat:
    hostname: str
    at: dt.datetime


def heartbeat_in_cache() -> bool:
    return backend_is_redis(str(settings.CACHES["default"]["BACKEND"]))


def worker_heartbeat_record(*, hostname: str, at: dt.datetime) -> Heartbeat:
    """Record that the worker ``hostname`` was alive at ``at``. No lock: the last writer wins."""
    hostname = hostname[:255]
    if heartbeat_in_cache():
        cache.set(CACHE_KEY, {"hostname": hostname, "at": at.isoformat()}, timeout=CACHE_TIMEOUT)
    else:
        WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"beat_at": at})
        WorkerHeartbeat.objects.filter(beat_at__lt=at - ROWS_KEPT_FOR).delete()
    return Heartbeat(hostname, at)


def worker_heartbeat_latest() -> Heartbeat | None:
    """The most recent beat of any worker, or None if none has been recorded."""
    if heartbeat_in_cache():
        value = cache.get(CACHE_KEY)
        return Heartbeat(value["hostname"], dt.datetime.fromisoformat(value["at"])) if value else None
    row = WorkerHeartbeat.objects.order_by("-beat_at").values_list("hostname", "beat_at").first()
    return Heartbeat(*row) if row else None
