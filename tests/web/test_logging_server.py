"""A real server's log holds no personal data from URL paths, in both log formats.

gunicorn (production) and runserver (development) run as child processes; requests whose paths
hold a phone number (with "+", without it, percent-encoded, grouped), an SSN-shaped id and an
e-mail address (plain and percent-encoded) are sent over a socket, and the server's stderr is read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

PATHS = [
    "/api/v1/dialer/calls/+14082254000/result/",
    "/api/v1/dialer/calls/%2B14082254000/result/",
    "/api/v1/dialer/calls/14082254000/result/",
    "/api/v1/dialer/calls/408-225-4000/",
    "/api/v1/dialer/calls/(408)%20225-4000/",
    "/api/v1/cases/123-45-6789/",
    "/cases/123-45-6789/",
    "/api/v1/dnc/a.b@example.com/",
    "/api/v1/dnc/a.b%40example.com/",
]
# What must never be in the log, in any spelling the paths above used.
SECRETS = ["4082254000", "408-225-4000", "225-4000", "123-45-6789", "example.com", "%2B1408", "%40"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {server.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not listen within 60 s")


def hit(port: int, path: str, method: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def server_command(server: str, port: int) -> list[str]:
    if server == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
    return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]


@pytest.mark.parametrize(
    ("server", "log_format"), [("gunicorn", "json"), ("gunicorn", "plain"), ("runserver", "plain"), ("runserver", "json")]
)
def test_paths_with_personal_data_are_redacted_in_a_real_servers_log(server: str, log_format: str, tmp_path: Path) -> None:
    # Given a server process logging in ``log_format`` (its own SQLite file: these requests read no table)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LOG_", "DJANGO_", "CACHE_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", LOG_FORMAT=log_format, LOG_LEVEL="INFO",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CELERY_BROKER_URL="", CACHE_URL="locmem://",
    )  # fmt: skip
    process = subprocess.Popen(
        server_command(server, port), cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until_listening(port, process)

        # When each path is asked for, read and written
        statuses = [hit(port, path, method) for path in PATHS for method in ("GET", "POST")]
        time.sleep(0.5)
    finally:
        process.terminate()
        stderr = process.communicate(timeout=30)[1]

    # Then every request was logged, and no spelling of the personal data is in the log
    assert all(status < 500 for status in statuses), (statuses, stderr)
    request_lines = [line for line in stderr.splitlines() if "config.request" in line]
    assert len(request_lines) == len(PATHS) * 2, stderr
    assert "[phone]" in stderr and "[national-id]" in stderr and "[email]" in stderr
    leaked = [(secret, line) for line in stderr.splitlines() for secret in SECRETS if secret in line]
    assert not leaked, leaked
