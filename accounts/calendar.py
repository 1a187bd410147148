"""The book's calendar: business dates in ``settings.BOOK_TIME_ZONE``, and where they start and end.

Every "today in the book" of the project is asked here: COB dates, promise days, the queue's
priority tiers, callbacks due today, report days, the freshness of the nightly close.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def book_zone() -> ZoneInfo:
    """The zone of the book's calendar."""
    return ZoneInfo(settings.BOOK_TIME_ZONE)


def book_date(at: dt.datetime) -> dt.date:
    """The business date an (aware) instant falls on."""
    return at.astimezone(book_zone()).date()


def business_today() -> dt.date:
    """Today in the book's calendar."""
    return book_date(timezone.now())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where ``day`` of the book's calendar starts and the next one starts."""
    zone = book_zone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def day_end(day: dt.date) -> dt.datetime:
    """The first instant of the day after ``day`` in the book's calendar, in UTC."""
    return day_bounds(day)[1]
