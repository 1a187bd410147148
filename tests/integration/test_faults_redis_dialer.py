"""Redis killed, restarted and hung while a dialer reports calls: every result the API acknowledged is
recorded, and Redis never turns a request into an error.

What the dialer API keeps in Redis: only the per-token rate-limit counters (the default cache). It
sends nothing to Celery (the test checks that no task is sent or run); idempotency keys,
authorizations and results live in the database. The test points the cache at a private
redis-server (never the shared one) and kills it (SIGKILL), starts it again, then freezes it
(SIGSTOP: a Redis that accepts connections and never answers), while calls are authorized, reported
and given their results.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.signals import before_task_publish, task_prerun
from django.test import override_settings
from django.utils import timezone

from collections_app.models import ContactAttempt
from scheduling.presets import presets_ensure
from tests.api.conftest import MORNING, Clock, Dialer, dialer_client, granted, iso, open_case_debt
from tests.integration.faults import PrivateRedis

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
def on_private_redis(private_redis: PrivateRedis) -> Iterator[None]:
    """The cache on the private server, as config/settings.py configures a Redis one."""
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": private_redis.url,
        "KEY_PREFIX": "cw",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": cache}):
        yield


@pytest.fixture
def celery_tasks() -> Iterator[list[str]]:
    """The names of the Celery tasks sent or run (in-process too) while the test runs."""
    names: list[str] = []

    def sent(sender: Any = None, **_kwargs: Any) -> None:
        names.append(str(sender))

    def ran(sender: Any = None, **_kwargs: Any) -> None:
        names.append(getattr(sender, "name", str(sender)))

    before_task_publish.connect(sent, weak=False)
    task_prerun.connect(ran, weak=False)
    try:
        yield names
    finally:
        before_task_publish.disconnect(sent)
        task_prerun.disconnect(ran)


class CallReporter:
    """A dialer's call cycle, one debt per call: authorize, report the call, post its result."""

    def __init__(self, dialer: Dialer, clock: Clock) -> None:
        self.dialer, self.clock = dialer, clock
        self.answers: dict[str, list[int]] = {}
        self.slowest = 0.0

    def call(self, call_id: str, **headers: str) -> Any:
        debt = open_case_debt()
        started = time.monotonic()
        authorization = granted(self.dialer, debt.phone)
        report = self.dialer.put(
            f"/api/v1/dialer/calls/{call_id}/",
            {"authorization_id": authorization, "started_at": iso(self.clock.at), "ended_at": iso(self.clock.at)},
        )
        result = self.result(call_id, **headers)
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.answers[call_id] = [report.status_code, result.status_code]
        return result

    def result(self, call_id: str, **headers: str) -> Any:
        body = {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False}
        return self.dialer.post(f"/api/v1/dialer/calls/{call_id}/result/", body, **headers)


@pytest.fixture
def reporter(monkeypatch: pytest.MonkeyPatch, on_private_redis: None) -> CallReporter:
    clock = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", clock)
    presets_ensure()
    return CallReporter(dialer_client(), clock)


def rate_counters(server: PrivateRedis) -> list[bytes]:
    return server.client().keys("cw:*rate*")


def test_no_call_result_is_lost_while_redis_is_killed_restarted_and_hung(
    reporter: CallReporter, private_redis: PrivateRedis, celery_tasks: list[str]
):
    # Given Redis up: calls are counted against the token's rate limit in Redis
    for n in range(3):
        reporter.call(f"up-{n}")
    assert rate_counters(private_redis)

    # When Redis is killed: calls go on (the rate limit lets them pass), one with an Idempotency-Key
    private_redis.stop()
    for n in range(3):
        reporter.call(f"down-{n}")
    keyed = reporter.call("down-keyed", **{"Idempotency-Key": "result-down-keyed"})

    # When it comes back (empty: the counters start again) and calls go on
    private_redis.start()
    for n in range(3):
        reporter.call(f"back-{n}")
    assert rate_counters(private_redis)
    replay = reporter.result("down-keyed", **{"Idempotency-Key": "result-down-keyed"})

    # When it hangs (accepts connections, never answers): each request waits at most the socket timeout
    assert private_redis.process is not None
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        for n in range(2):
            reporter.call(f"hung-{n}")
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)

    # Then every request was answered with success, none held up for long
    assert all(codes == [201, 201] for codes in reporter.answers.values()), reporter.answers
    assert reporter.slowest < 5
    # ... the retried result was the first answer again, not a second result
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == keyed.json()
    # ... and every acknowledged result is in the database, once
    recorded = dict(
        ContactAttempt.objects.filter(status=ContactAttempt.Status.COMPLETED).values_list(
            "external_id", "disposition__code"
        )
    )
    integration = reporter.dialer.integration.pk
    assert recorded == {f"{integration}:{call_id}": "no_answer" for call_id in reporter.answers}
    # ... with no follow-up work left to a broker that may be down
    assert celery_tasks == []
