"""The server under benchmark (gunicorn, production settings) and the clients that load it."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg

from bench.book import AGENT_PASSWORD, ROOT, Book, db_url, manage
from config.pii import DEVELOPMENT_KEYS, ring_of

HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")
WRK_LUA = Path(__file__).with_name("wrk_post.lua")
LOG = Path(tempfile.gettempdir()) / "bench-gunicorn.log"


class Server:
    """gunicorn serving ``bench.settings`` on the benchmark database, with DEBUG off."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url(book.database),
            "CELERY_BROKER_URL": BROKER,
            "CELERY_QUEUE": "bench",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
            # The book was made by the seeder under the development keys (DEBUG on).
            "PII_ENCRYPTION_KEYS": os.environ.get("PII_ENCRYPTION_KEYS") or DEVELOPMENT_KEYS,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "ERROR",  # refusals (409) are the point of the race; their log lines are not
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.token = ""
        self.worker_peak_mb = 0

    def __enter__(self) -> Server:
        created = manage(self.book.database, "dialer_token", "create", f"bench-{int(time.time())}", "--rate-limit", "10000000")
        match = re.search(r"\b([A-Za-z0-9_\-]{32,})\b", created.output)
        if not match:
            raise RuntimeError(f"no token in: {created.output}")
        self.token = match.group(1)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "bench.wsgi:application", "--bind", f"{HOST}:{PORT}",
             "--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(LOG, "w"),  # noqa: SIM115 (closed with the process)
        )
        for _ in range(100):
            try:
                self.request("GET", "/login/")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        self.warm()
        return self

    def warm(self) -> None:
        for _ in range(WORKERS * 4):
            self.dialer_get("/api/v1/dispositions/")

    def __exit__(self, *exc: object) -> None:
        self.worker_peak_mb = max(self.worker_peak_mb, self._workers_rss_mb())
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        subprocess.run(["redis-cli", "-u", BROKER, "FLUSHDB"], capture_output=True, check=False)

    def _workers_rss_mb(self) -> int:
        if self.process is None:
            return 0
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        peaks = []
        for pid in [str(self.process.pid), *children]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found.group(1)) // 1024)
        return max(peaks, default=0)

    def summary(self) -> dict[str, object]:
        self.worker_peak_mb = max(self.worker_peak_mb, self._workers_rss_mb())
        return {"gunicorn_workers": WORKERS, "worker_peak_mb": self.worker_peak_mb, "debug": False}

    # --- plain HTTP ---------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, response

    def dialer_get(self, path: str, params: dict[str, object] | None = None) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        status, data, _ = self.request("GET", path + query, headers={"Authorization": f"Token {self.token}"})
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300]!r}")
        return json.loads(data)

    def dialer_post(self, path: str, payload: object) -> tuple[int, dict[str, Any]]:
        status, data, _ = self.request(
            "POST", path, json.dumps(payload).encode(),
            {"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        return status, json.loads(data) if data else {}

    # --- the book, read directly -------------------------------------------------------------------

    def accounts_of(self, case_ids: list[int]) -> list[tuple[int, int]]:
        """(account id, a phone id of its borrower) for cases: what the bare view is given."""
        with psycopg.connect(db_url(self.book.database)) as conn:
            return conn.execute(
                """SELECT c.account_id, MIN(p.id) FROM collections_app_case c
                   JOIN accounts_loanaccount l ON l.id = c.account_id
                   JOIN accounts_phone p ON p.borrower_id = l.borrower_id
                   WHERE c.id = ANY(%s) GROUP BY c.account_id""",
                [case_ids],
            ).fetchall()

    def busiest_agent(self) -> tuple[str, int]:
        """The agent with the longest queue, and the case at its top."""
        with psycopg.connect(db_url(self.book.database)) as conn:
            username, agent_id = conn.execute(
                """SELECT u.username, a.id FROM collections_app_agent a JOIN auth_user u ON u.id = a.user_id
                   JOIN collections_app_case c ON c.agent_id = a.id AND c.status = 'open'
                   GROUP BY u.username, a.id ORDER BY COUNT(*) DESC LIMIT 1"""
            ).fetchone()
            (case_id,) = conn.execute(
                """SELECT id FROM collections_app_case WHERE agent_id = %s AND status = 'open'
                   ORDER BY priority DESC, dpd DESC, id LIMIT 1""",
                [agent_id],
            ).fetchone()
        return username, case_id

    def search_terms(self, case_id: int) -> dict[str, str]:
        """What a caller would give for the case: its loan id, the borrower's surname, a phone's last 4 digits."""
        with psycopg.connect(db_url(self.book.database)) as conn:
            loan, name, number = conn.execute(
                """SELECT l.external_id, b.name, (SELECT p.number FROM accounts_phone p WHERE p.borrower_id = b.id ORDER BY p.id LIMIT 1)
                   FROM collections_app_case c JOIN accounts_loanaccount l ON l.id = c.account_id
                   JOIN accounts_borrower b ON b.id = l.borrower_id WHERE c.id = %s""",
                [case_id],
            ).fetchone()
        name, number = _clear(name), _clear(number or "")  # encrypted at rest under the development keys
        return {"loan": loan, "name": name.split()[-1], "digits": (number or "0000")[-4:]}

    def session(self, username: str) -> Session:
        return Session(self, username)


def _clear(value: str) -> str:
    return ring_of(os.environ.get("PII_ENCRYPTION_KEYS") or DEVELOPMENT_KEYS).decrypt(value) if value else ""


class Session:
    """A logged-in browser, as far as the server can tell: cookies, CSRF, keep-alive."""

    def __init__(self, server: Server, username: str) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
        status, page = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = urllib.parse.urlencode(
            {"username": username, "password": AGENT_PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        status, _ = self._send("POST", "/login/", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")

    def _send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.cookies.update({k: m.value for k, m in cookie.items()})
        return response.status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send("GET", path)

    def timed(self, path: str, params: dict[str, str] | None = None, runs: int = 7) -> dict[str, float]:
        url = path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        status, _ = self.get(url)  # warm this worker's caches
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}")
        samples = []
        for _ in range(runs):
            started = time.monotonic()
            self.get(url)
            samples.append(time.monotonic() - started)
        samples.sort()
        return {
            "median_ms": round(samples[len(samples) // 2] * 1000, 1),
            "max_ms": round(samples[-1] * 1000, 1),
            "samples": runs,
        }


def wrk(server: Server, path: str, bodies: list[dict[str, object]], *, token: str | None, seconds: int) -> dict[str, Any]:
    """POST the bodies round-robin with 8 connections (2 wrk threads) for ``seconds``; latency and rate."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("\n".join(json.dumps(b) for b in bodies) + "\n")
        bodies_path = handle.name
    env = {**os.environ, "WRK_BODIES": bodies_path, "WRK_TOKEN": token or ""}
    result = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(WRK_LUA), f"http://{HOST}:{PORT}{path}"],
        capture_output=True, text=True, env=env, check=True,
    )
    os.unlink(bodies_path)
    out = result.stdout
    figures = {line.split("=")[0]: line.split("=")[1] for line in out.splitlines() if line.startswith("BENCH_")}
    return {
        "clients": 8,
        "seconds": seconds,
        "requests": int(figures["BENCH_REQUESTS"]),
        "requests_per_second": round(float(figures["BENCH_RPS"]), 1),
        "p50_ms": round(float(figures["BENCH_P50_US"]) / 1000, 1),
        "p99_ms": round(float(figures["BENCH_P99_US"]) / 1000, 1),
        "max_ms": round(float(figures["BENCH_MAX_US"]) / 1000, 1),
        "status": json.loads(figures.get("BENCH_STATUS", "{}") or "{}"),
        "errors": int(figures["BENCH_ERRORS"]),
    }
