"""GET /health/: no login, no personal data; 503 when the database is down, degraded when the rest lags."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import CobRun
from config.celery import app
from scheduling.beat import beat_schedule_ensure
from scheduling.heartbeat import CACHE_KEY, worker_heartbeat_latest, worker_heartbeat_record
from scheduling.models import WorkerHeartbeat
from scheduling.tasks import worker_heartbeat_task

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def no_heartbeat(db: None) -> None:
    """No beat left over from an earlier test (or an earlier run, when the cache is Redis)."""
    cache.delete(CACHE_KEY)
    WorkerHeartbeat.objects.all().delete()


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def with_workers() -> Iterator[None]:
    """Tasks go to workers (as in production with a broker), so the worker's heartbeat counts."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def cob_done(date: dt.date) -> None:
    CobRun.objects.create(date=date, status=CobRun.Status.DONE, started_at=NOW, finished_at=NOW)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_with_everything_fresh_it_says_ok_to_anyone_without_a_login(client: Any, at_now: dt.datetime) -> None:
    cob_done(dt.date(2026, 4, 7))

    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "worker", "cob"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] in {
        "ok",
        "skipped",
    }  # skipped: no Redis configured (SQLite runs)
    assert body["checks"]["worker"] == {"status": "skipped", "last_heartbeat": None, "age_seconds": None}
    assert body["checks"]["cob"] == {"status": "ok", "last_date": "2026-04-07", "age_hours": 10.0}
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_a_close_of_business_older_than_36_hours_is_degraded_but_still_200(
    client: Any, at_now: dt.datetime
) -> None:
    cob_done(dt.date(2026, 4, 5))
    CobRun.objects.create(date=dt.date(2026, 4, 6), status=CobRun.Status.FAILED, started_at=NOW)

    body = client.get("/health/").json()

    assert body["status"] == "degraded"
    assert body["checks"]["cob"] == {"status": "stale", "last_date": "2026-04-05", "age_hours": 58.0}


@pytest.mark.django_db
def test_a_book_never_closed_is_degraded(client: Any) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cob"] == {"status": "missing", "last_date": None, "age_hours": None}


@override_settings(CACHES=LOCMEM)
@pytest.mark.django_db
def test_with_workers_a_heartbeat_older_than_three_minutes_is_degraded(
    client: Any, at_now: dt.datetime, with_workers: None, no_heartbeat: None
) -> None:
    cob_done(dt.date(2026, 4, 7))
    missing = client.get("/health/").json()
    worker_heartbeat_record(hostname="celery@old", at=NOW - dt.timedelta(minutes=10))
    stale = client.get("/health/").json()
    worker_heartbeat_task.apply()  # in-process: this process is the worker; the beat is a database row
    fresh = client.get("/health/").json()

    assert (missing["status"], missing["checks"]["worker"]["status"]) == ("degraded", "missing")
    assert (stale["status"], stale["checks"]["worker"]) == (
        "degraded",
        {"status": "stale", "last_heartbeat": "2026-04-08T09:50:00+00:00", "age_seconds": 600.0},
    )
    assert fresh["checks"]["worker"] == {
        "status": "ok",
        "last_heartbeat": NOW.isoformat(),
        "age_seconds": 0.0,
    }
    assert fresh["status"] == "ok"
    assert WorkerHeartbeat.objects.count() == 2
    assert worker_heartbeat_latest().hostname == socket.gethostname()  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_is_degraded_and_answers_within_a_second(
    client: Any, at_now: dt.datetime, with_workers: None, no_heartbeat: None
) -> None:
    cob_done(dt.date(2026, 4, 7))
    broker = f"redis://127.0.0.1:{closed_port()}/0"

    with override_settings(CELERY_BROKER_URL=broker, CACHES=LOCMEM):
        worker_heartbeat_record(hostname="celery@w1", at=NOW)
        started = time.monotonic()
        response = client.get("/health/")
        seconds = time.monotonic() - started

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["redis"]["broker"] == "error"
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    assert body["checks"]["worker"]["status"] == "ok"
    assert seconds < 1.5


@pytest.fixture
def database_unreachable() -> Iterator[None]:
    """The default connection replaced by one to a database that cannot be reached (a closed port; a
    SQLite file in a folder that does not exist); the real one is put back afterwards."""
    real = connections[DEFAULT_DB_ALIAS]
    broken_settings = {**real.settings_dict}
    if real.vendor == "sqlite":
        broken_settings["NAME"] = "/nonexistent-folder/health.sqlite3"
    else:
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port()))
        broken_settings["OPTIONS"] = {**broken_settings.get("OPTIONS", {}), "connect_timeout": 2}
    broken = load_backend(broken_settings["ENGINE"]).DatabaseWrapper(broken_settings, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield
    finally:
        broken.close()
        connections[DEFAULT_DB_ALIAS] = real


@pytest.mark.django_db
def test_an_unreachable_database_is_503_down(client: Any, database_unreachable: None) -> None:
    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["cob"]["status"] == "skipped"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_health_only_answers_reads(client: Any) -> None:
    assert client.head("/health/").status_code in {200, 503}
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_the_heartbeat_is_on_the_beat_schedule_every_minute() -> None:
    beat_schedule_ensure()
    app.loader.import_default_modules()

    task = PeriodicTask.objects.select_related("crontab").get(name="worker-heartbeat")

    assert task.task == "scheduling.tasks.worker_heartbeat_task"
    assert task.task in app.tasks
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("*", "*", "UTC")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_heartbeat_that_health_reports(
    client: Any, no_heartbeat: None, celery_worker_process: str
) -> None:
    before = client.get("/health/").json()["checks"]["worker"]

    worker_heartbeat_task.apply_async(queue=celery_worker_process)
    deadline = time.monotonic() + 60
    while (beat := worker_heartbeat_latest()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    after = client.get("/health/").json()

    assert before["status"] == "missing"
    assert beat is not None
    assert beat.hostname.startswith(celery_worker_process + "@")
    assert after["checks"]["worker"]["status"] == "ok"
    assert after["checks"]["worker"]["age_seconds"] < 60
    redis = after["checks"]["redis"]
    assert (redis["status"], redis["broker"], redis["cache"]) == ("ok", "ok", "ok")
