"""``GET /health/``: is this process able to serve, and are the parts around it alive? For load balancers and monitoring.

No login, no personal data, cheap: ``SELECT 1``, one indexed read of the last close of business,
the worker heartbeat (a cache key or one small query) and a Redis ``PING`` per Redis URL, each
with a short timeout. The answer::

    {"status": "ok" | "degraded" | "down",
     "checks": {"database": {"status", "latency_ms"},
                "redis": {"status", "latency_ms", "broker", "cache"},
                "worker": {"status", "last_heartbeat", "age_seconds"},
                "cob": {"status", "last_date", "age_hours"}}}

- ``down``, HTTP 503: the database does not answer, so this process can serve nothing; a load
  balancer takes it out of rotation.
- ``degraded``, HTTP 200: the web process serves, but Redis does not answer, no worker has beaten
  for ``WORKER_STALE_AFTER``, or the last close of business is older than ``COB_STALE_AFTER``:
  keep it in rotation and alert.
- ``ok``, HTTP 200.

Checks that do not apply say ``skipped``: the worker when Celery runs tasks in-process, Redis when
neither the broker nor the cache is Redis. A check's error is named by its exception class only.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.calendar import day_end
from accounts.models import CobRun
from config.cache import backend_is_redis
from config.celery import app
from scheduling.heartbeat import heartbeat_in_cache, worker_heartbeat_latest

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5
WORKER_STALE_AFTER = dt.timedelta(minutes=3)  # the heartbeat runs every minute
COB_STALE_AFTER = dt.timedelta(hours=36)  # the nightly close runs every 24 hours
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
FAILING = {"error", "stale", "missing"}

Check = dict[str, Any]


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def database_check() -> Check:
    started = time.perf_counter()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "latency_ms": elapsed_ms(started)}


def redis_targets() -> dict[str, str]:
    """The Redis URLs this process uses: the broker (unless tasks run in-process) and the cache."""
    targets: dict[str, str] = {}
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(REDIS_SCHEMES) and not app.conf.task_always_eager:
        targets["broker"] = broker
    cache: dict[str, Any] = settings.CACHES["default"]
    if backend_is_redis(cache["BACKEND"]):
        location = cache["LOCATION"]  # one URL, or a list of them (the first is the primary)
        targets["cache"] = location if isinstance(location, str) else location[0]
    return targets


def redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def redis_check() -> Check:
    targets = redis_targets()
    if not targets:
        return {"status": "skipped"}
    started = time.perf_counter()
    check: Check = {"status": "ok"}
    answers: dict[str, str] = {}  # the broker and the cache are often the same Redis: ping it once
    for role, url in targets.items():
        if url not in answers:
            try:
                redis_ping(url)
                answers[url] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure is the answer
                answers[url] = type(exc).__name__
        check[role] = "ok" if answers[url] == "ok" else "error"
        if answers[url] != "ok":
            check["status"], check["error"] = "error", answers[url]
    check["latency_ms"] = elapsed_ms(started)
    return check


def worker_check(*, now: dt.datetime) -> Check:
    if app.conf.task_always_eager:
        return {"status": "skipped", "last_heartbeat": None, "age_seconds": None}
    beat = worker_heartbeat_latest()
    if beat is None:
        return {"status": "missing", "last_heartbeat": None, "age_seconds": None}
    age = max(now - beat.at, dt.timedelta(0))
    return {
        "status": "ok" if age <= WORKER_STALE_AFTER else "stale",
        "last_heartbeat": beat.at.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
    }


def cob_check(*, now: dt.datetime) -> Check:
    """The last business date closed, and the hours since that day ended (in the book's time zone)."""
    last = (
        CobRun.objects.filter(status=CobRun.Status.DONE)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if last is None:
        return {"status": "missing", "last_date": None, "age_hours": None}
    day_ended = day_end(last)
    age = max(now - day_ended, dt.timedelta(0))
    return {
        "status": "ok" if age <= COB_STALE_AFTER else "stale",
        "last_date": last.isoformat(),
        "age_hours": round(age.total_seconds() / 3600, 1),
    }


def run(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a failing check is reported, never raised
        logger.warning("health check %s failed: %s", name, type(exc).__name__)
        return {"status": "error", "error": type(exc).__name__}


def health_report() -> tuple[str, dict[str, Check]]:
    """The overall status and each check's answer."""
    now = timezone.now()
    checks = {"database": run("database", database_check), "redis": run("redis", redis_check)}
    database_up = checks["database"]["status"] == "ok"
    unknown = {"status": "skipped", "reason": "database down"}
    checks["worker"] = (
        run("worker", lambda: worker_check(now=now)) if database_up or heartbeat_in_cache() else unknown
    )
    checks["cob"] = run("cob", lambda: cob_check(now=now)) if database_up else unknown
    if not database_up:
        status = "down"
    elif any(check["status"] in FAILING for check in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return status, checks


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    status, checks = health_report()
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)
