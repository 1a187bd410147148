from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` need PostgreSQL (row locks, a real Celery worker); every
    transactional test restores what the migrations ship."""
    from django.conf import settings

    _transactional_tests_restore_shipped_data(items)
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL); runs in CI")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _transactional_tests_restore_shipped_data(items: list[pytest.Item]) -> None:
    """Every transactional test (marked, or through ``transactional_db``/``live_server``) runs with
    serialized rollback: it starts with what the migrations ship (policies, templates, presets) and
    its flush leaves nothing behind. One transactional test without it is enough to break the
    others: its flush lets post-migrate create the content types again under new ids, and the next
    test's restore then collides with them (duplicate ``admin.logentry``)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        if marker is not None:
            kwargs = dict(marker.kwargs)
            if not kwargs.get("transaction") or kwargs.get("serialized_rollback"):
                continue
            kwargs["serialized_rollback"] = True
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
        elif "transactional_db" in fixtures or "live_server" in fixtures:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)


@pytest.fixture(autouse=True)
def _policies_fresh() -> None:
    """Each test reads the contact policies afresh: a test's rolled-back writes bump no generation,
    so a snapshot held from an earlier test could outlive its data (scheduling/engine/policies.py)."""
    from scheduling.engine.policies import policies_forget

    policies_forget()


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """Each test starts in the default language: a page requested in Chinese leaves Chinese active
    in the thread (the locale middleware does not deactivate it), and a later test's messages would
    read in Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def celery_workers(transactional_db: None):  # type: ignore[no-untyped-def]
    """Real Celery workers in child processes, on the test database and a queue of their own
    (``tests.workers.CeleryWorkers``: start, kill -9, start again). None runs until ``start()``.

    Tasks sent to ``celery_workers.queue`` run in a worker, not in-process.
    """
    from django.conf import settings

    from config.celery import app
    from tests.workers import CeleryWorkers

    if not settings.CELERY_BROKER_URL:
        pytest.fail("CELERY_BROKER_URL must point at Redis for worker tests")
    workers = CeleryWorkers(database=settings.DATABASES["default"])
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield workers
    finally:
        app.conf.task_always_eager = eager
        workers.stop()


@pytest.fixture
def celery_worker_process(celery_workers):  # type: ignore[no-untyped-def]
    """One real Celery worker (see ``celery_workers``), started; the value is its queue name."""
    celery_workers.start()
    return celery_workers.queue
