"""Real Celery workers in child processes, for the tests that prove the jobs in a worker (and its death).

The ``celery_workers`` fixture (``tests/conftest.py``) gives a ``CeleryWorkers``: workers on the test
database and on a queue of their own, started, killed and started again at will.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class CeleryWorkers:
    """Celery workers (``-P solo``) for one test, each in its own process group.

    ``kill()`` sends SIGKILL to the whole group, as a machine losing power would: no shutdown code
    runs, the task being executed is never acknowledged and its database session is cut. The first
    worker is named ``<queue>@<host>``, the next ones ``<queue>-<n>@<host>``.
    """

    def __init__(self, *, database: dict[str, Any]) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self._database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        )
        self._running: list[subprocess.Popen[bytes]] = []
        self._started = 0

    def start(self, *, visibility_timeout: int | None = None, environment: dict[str, str] | None = None) -> str:
        """Start a worker on the queue; returns its node name (``CobRun.worker`` and the like record it).

        ``visibility_timeout`` (seconds) is how long the broker waits before it hands a task that a
        dead worker took to another one (``CELERY_VISIBILITY_TIMEOUT``); default the settings'.
        ``environment`` adds settings of the worker's own (``NIGHTLY_CLOSE_RETRY_SECONDS``, ...).
        """
        self._started += 1
        node = self.queue if self._started == 1 else f"{self.queue}-{self._started}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self._database_url,
            "CELERY_QUEUE": self.queue,
        }
        env.update(environment or {})
        if visibility_timeout is not None:
            env["CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        self._running.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", self.queue,
                 "-n", f"{node}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
        )
        return f"{node}@{socket.gethostname()}"

    def kill(self) -> None:
        """SIGKILL every running worker (and anything it started), and reap them."""
        for proc in self._running:
            with contextlib.suppress(ProcessLookupError):  # it died on its own already
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        self._running.clear()

    def stop(self) -> None:
        """Warm shutdown of every running worker (SIGTERM), SIGKILL after 20 s."""
        for proc in self._running:
            proc.terminate()
        for proc in self._running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self._running.clear()
