"""The benchmark's book: a 1,000,000-account PostgreSQL database made once by the seeder, then cloned.

Making the book (seeding, the month-end COB history up to the day before the benchmark date, the
staff) takes several minutes, so it is kept as a *template database* (``cw_bench_tpl``). Every
benchmark run clones it with ``CREATE DATABASE ... TEMPLATE`` (seconds), migrates the clone (new
migrations apply to the copy, so the template survives most changes) and measures on the clone:
each run starts from the same state and the figures compare across runs.

The template is made again when its key changes: the number of accounts, the seed, the code of
the seeder (``accounts/demo``) or ``RECIPE`` below. Its as-of date is kept in the
template, so a template made last week is still valid; the benchmark measures "the night after
that date".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TEMPLATE = os.environ.get("BENCH_TEMPLATE_DB", "cw_bench_tpl")
WORK = os.environ.get("BENCH_DB", "cw_bench")
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "1000000"))
SEED = 1
# Teams by bucket, as a mid-size department staffs them: (name, buckets, agents).
STAFF = (
    ("Early (M1)", ("M1",), 95),
    ("Middle (M2-M3)", ("M2", "M3"), 45),
    ("Late (M4-M6)", ("M4", "M5", "M6"), 30),
    ("Recovery (M6+)", ("M6+",), 20),
)
AGENT_PASSWORD = "bench-pass-2026"
# Bump when the recipe of the template (history, staff) changes: the next run makes it again.
RECIPE = 1


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def db_url(name: str) -> str:
    return f"{PG}/{name}"


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(db_url("postgres"), autocommit=True)


def book_key() -> str:
    digest = hashlib.sha256(f"{ACCOUNTS}:{SEED}:{RECIPE}".encode())
    for path in sorted((ROOT / "accounts/demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def manage(database: str, *args: str, env: dict[str, str] | None = None) -> Run:
    """Run ``manage.py`` against ``database``; return its wall time and peak memory."""
    environment = {**os.environ, "DATABASE_URL": db_url(database), "DJANGO_DEBUG": "1", **(env or {})}
    environment.pop("CELERY_BROKER_URL", None)  # jobs run in this process, as the worker would run them
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    output = process.stdout.read() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{output}")
    return Run(seconds=round(seconds, 2), peak_mb=round(usage.ru_maxrss / 1024), output=output)


@dataclass
class Run:
    seconds: float
    peak_mb: int
    output: str


@dataclass
class Book:
    database: str
    today: date  # the benchmark's business date: the book is as of it, COB ran up to the day before
    build_seconds: float | None  # None when the template was reused
    seed_peak_mb: int | None  # peak memory of the seeder when the template was made


def _template_meta(conn: psycopg.Connection) -> dict[str, str] | None:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE]).fetchone()
    if not exists:
        return None
    try:
        with psycopg.connect(db_url(TEMPLATE)) as tpl:
            row = tpl.execute("SELECT value FROM bench_meta WHERE key = 'meta'").fetchone()
    except psycopg.Error:
        return None
    return json.loads(row[0]) if row else None


def _staff_script() -> str:
    return f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from accounts.models import Bucket
from collections_app import roles
from collections_app.models import Agent, Team
roles.roles_ensure()
agents = Group.objects.get(name=roles.AGENT)
User = get_user_model()
for name, codes, size in {STAFF!r}:
    team = Team.objects.create(name=name, languages="en,zh")
    team.buckets.set(Bucket.objects.filter(code__in=codes))
    for n in range(size):
        user = User.objects.create_user(f"bench-{{team.pk}}-{{n:03d}}", password={AGENT_PASSWORD!r})
        user.groups.add(agents)
        Agent.objects.create(user=user, team=team, capacity=600, languages="en,zh" if n % 3 else "zh,en")
"""


def _template_build(conn: psycopg.Connection, key: str) -> dict[str, object]:
    """Seed the book into a fresh template database: accounts, history up to the day before ``today``."""
    today = datetime.now(UTC).date() - timedelta(days=1)
    building = f"{TEMPLATE}_building"
    conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{building}"')
    say(f"making the {ACCOUNTS:,}-account book as of {today} (once; later runs clone it)")
    manage(building, "migrate", "--noinput")
    run = manage(building, "seed_demo", "--accounts", str(ACCOUNTS), "--seed", str(SEED),
                 "--no-cob", "--today", today.isoformat())
    say(f"seeded in {run.seconds:.0f}s (peak {run.peak_mb} MB)")
    seeded = {"seed_seconds": run.seconds, "seed_peak_mb": run.peak_mb}
    history = (
        "from datetime import date\n"
        "from collections_app.services.close import book_close\n"
        "from accounts.demo.book import history_dates\n"
        f"for day in history_dates(today=date.fromisoformat({today.isoformat()!r}), months=6, daily=False)[:-1]:\n"
        "    print(book_close(business_date=day))\n"
    )
    run = manage(building, "shell", "-c", history)
    say(f"COB history (month-ends and the day before) in {run.seconds:.0f}s")
    manage(building, "shell", "-c", _staff_script())
    with psycopg.connect(db_url(building), autocommit=True) as tpl:
        tpl.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        meta = {"key": key, "today": today.isoformat(), "accounts": ACCOUNTS, **seeded}
        tpl.execute("INSERT INTO bench_meta VALUES ('meta', %s)", [json.dumps(meta)])
        tpl.execute("VACUUM ANALYZE")
    conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{TEMPLATE}"')
    return meta


def book_prepare() -> Book:
    """A fresh working copy of the benchmark book, migrated to the current code."""
    key = book_key()
    started = time.monotonic()
    with admin_connection() as conn:
        meta = _template_meta(conn)
        built = None
        if meta is None or meta.get("key") != key:
            meta = _template_build(conn, key)
            built = round(time.monotonic() - started, 1)
        today = date.fromisoformat(str(meta["today"]))
        if built is None:
            say(f"reusing the {ACCOUNTS:,}-account book as of {today} ({TEMPLATE})")
        conn.execute(f'DROP DATABASE IF EXISTS "{WORK}" WITH (FORCE)')
        cloned = time.monotonic()
        conn.execute(f'CREATE DATABASE "{WORK}" TEMPLATE "{TEMPLATE}"')
        say(f"cloned into {WORK} in {time.monotonic() - cloned:.0f}s")
    migrating = time.monotonic()
    manage(WORK, "migrate", "--noinput")
    # Migrations newer than the template rewrite whole tables on the clone (encrypting a column,
    # partitioning by month): without fresh statistics and a vacuum the first jobs would plan on
    # stale row counts and race autovacuum. Production runs the same after such a migration.
    with psycopg.connect(db_url(WORK), autocommit=True) as work:
        work.execute("VACUUM (ANALYZE)")
    say(f"migrated and vacuumed {WORK} in {time.monotonic() - migrating:.0f}s")
    manage(WORK, "shell", "-c", _supervisor_script())
    peak = meta.get("seed_peak_mb")
    return Book(database=WORK, today=today, build_seconds=built, seed_peak_mb=int(peak) if peak else None)


def _supervisor_script() -> str:
    return f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from collections_app import roles
roles.roles_ensure()
user, _ = get_user_model().objects.get_or_create(username="bench-supervisor")
user.set_password({AGENT_PASSWORD!r})
user.save()
user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
"""
