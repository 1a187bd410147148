from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test databases, each with what the migrations ship read once, to be put back at the end
    of every transactional test instead of Django's flush (``tests/shipped_data.py``)."""
    from django.test import TransactionTestCase

    from tests.shipped_data import database_reset, shipped_data_keep

    def fixture_teardown(test: TransactionTestCase) -> None:
        for alias in test._databases_names(include_mirrors=False):  # type: ignore[attr-defined]
            database_reset(alias)

    with django_db_blocker.unblock():
        shipped_data_keep()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", fixture_teardown)
        yield


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
