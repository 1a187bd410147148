"""The schema is the same built on SQLite and on PostgreSQL (issue 21, item 10): Django bounds an
integer model field by the database's range, and SQLite's is 64-bit where PostgreSQL's column is not.

Building the schema reads the database backend's operations, never the database: each build runs in
a process of its own with ``DATABASE_URL`` naming the backend (on CI's PostgreSQL run, its own URL)."""

from __future__ import annotations

import difflib
import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _built_with(database_url: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "spectacular"], cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.stdout


def _same(first: str, second: str) -> list[str]:
    return list(difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="", n=1))[:40]


def test_the_schema_built_on_sqlite_is_the_one_built_on_postgresql(tmp_path: Path) -> None:
    on_postgresql = os.environ.get("DATABASE_URL", "")
    if not on_postgresql.startswith("postgres"):
        on_postgresql = "postgres://schema@127.0.0.1:9/never_connected"  # the backend, never a connection
    sqlite = _built_with(f"sqlite:///{tmp_path / 'schema.sqlite3'}")
    postgresql = _built_with(on_postgresql)
    here = io.StringIO()
    call_command("spectacular", stdout=here)

    assert not _same(sqlite, postgresql)
    assert not _same(here.getvalue(), postgresql), connection.vendor
