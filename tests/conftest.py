from __future__ import annotations

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` need PostgreSQL (row locks, a real Celery worker)."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL); runs in CI")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def celery_worker_process(transactional_db: None):  # type: ignore[no-untyped-def]
    """A real Celery worker in a child process, on the test database and its own queue.

    Yields the queue name; tasks sent there run in the worker, not in-process.
    """
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        pytest.fail("CELERY_BROKER_URL must point at Redis for worker tests")
    db = settings.DATABASES["default"]
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
    }
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", queue,
         "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=root,
        env=env,
    )
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
