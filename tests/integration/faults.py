"""Tools of the fault tests: a second database session holding a lock, seeing a session wait on it,
the broker's view of a task a worker took, and a private Redis server to stop and start."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis
from django.conf import settings
from django.db import connection


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned); AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


@contextmanager
def second_session(*statements: str) -> Iterator[psycopg.Connection[Any]]:
    """A second PostgreSQL session that runs ``statements`` in a transaction and holds its locks
    until the block ends (then rolls back)."""
    db = settings.DATABASES["default"]
    session = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )
    try:
        for sql in statements:
            session.execute(sql)  # type: ignore[arg-type]
        yield session
    finally:
        session.rollback()
        session.close()


def lock_waiters() -> dict[int, str]:
    """The sessions of the test database waiting for a lock: backend pid -> current statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, ltrim(query) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return dict(cursor.fetchall())


def session_waiting_for_lock(statement_start: str, *, timeout: float = 30) -> int:
    """The backend pid of the session whose current statement starts with ``statement_start``, once it
    waits for a lock."""

    def waiting() -> int | None:
        return next((pid for pid, sql in lock_waiters().items() if sql.startswith(statement_start)), None)

    return int(wait_until(waiting, timeout=timeout, what=f"a session waiting for a lock in {statement_start!r}"))


def session_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is None


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def taken_and_unacknowledged(task_id: str) -> float | None:
    """When a worker took ``task_id`` off the queue (epoch seconds) if the broker still holds it as
    unacknowledged (kombu's Redis transport keeps it for ``visibility_timeout``), else None."""
    client = broker()
    for tag, raw in client.hgetall("unacked").items():
        message = json.loads(raw)[0]
        if message.get("headers", {}).get("id") == task_id:
            score = client.zscore("unacked_index", tag)
            return float(score) if score is not None else None
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own on a free port (never the shared one), with no persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (apt-get install redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(self._pings(client), timeout=10, what=f"redis-server on port {self.port}")

    @staticmethod
    def _pings(client: redis.Redis) -> Callable[[], bool]:
        def ping() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        return ping

    def stop(self) -> None:
        """Kill it (SIGKILL: what it held is gone, as after a crash) and wait until the port is closed."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1)


@contextmanager
def database_refuses(table: str, when: str, *, on: str = "INSERT OR UPDATE") -> Iterator[None]:
    """A PostgreSQL trigger that refuses the rows of ``table`` matching ``when`` (a condition on ``NEW``),
    as a constraint no validation knows of would; dropped when the block ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION faults_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused by a fault test trigger'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER faults_refuse BEFORE {on} ON {table} FOR EACH ROW WHEN ({when})"
            " EXECUTE FUNCTION faults_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER faults_refuse ON {table}")
            cursor.execute("DROP FUNCTION faults_refuse()")
