"""The lived book of ``tests.reports.book``, built once per test module and rolled back after it.

The book takes seconds to live through (four months of payments, closes of business, calls and
promises), so each module builds it once inside a transaction that its tests run on top of (each
test in its own savepoint) and that is rolled back when the module is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reports.book import Book, reports_book_lived


@pytest.fixture(scope="module")
def lived_book(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Book]:
    """The book lived day by day, with every report aggregate computed for its four months."""
    with django_db_blocker.unblock(), reports_book_lived() as book:
        yield book


@pytest.fixture
def book(lived_book: Book, db: None) -> Book:
    return lived_book


@pytest.fixture
def eager() -> Iterator[None]:
    """Celery as with no broker configured: every task, group and chord runs in this process."""
    from config.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before


MONTH_ENDS = {
    dt.date(2026, 2, 1): (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
    dt.date(2026, 3, 1): (dt.date(2026, 2, 28), dt.date(2026, 3, 31)),
    dt.date(2026, 4, 1): (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
}
