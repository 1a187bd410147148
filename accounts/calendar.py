"""The book's calendar: business dates in ``settings.BOOK_TIME_ZONE``, and where they start and end.

Every "today in the book" of the project is asked here: COB dates, promise days, the queue's
priority tiers, callbacks due today, report days, the freshness of the nightly close. Business days
(weekdays that are not public holidays of a country, from the ``holidays`` package) count the
complaint deadlines.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
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


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    supported = holidays.list_supported_countries()
    if country not in supported:
        return frozenset()
    subdiv = subdivision if subdivision in supported[country] else None
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def is_business_day(day: dt.date, *, country: str, subdivision: str = "") -> bool:
    """Monday to Friday and not a public holiday of ``country`` (and ``subdivision``, when the
    ``holidays`` package knows it). A country it does not know has no holidays."""
    return day.weekday() < 5 and day not in _holiday_dates(country.upper(), subdivision, day.year)


def business_days_add(start: dt.date, days: int, *, country: str, subdivision: str = "") -> dt.date:
    """The date ``days`` business days after ``start`` (``start`` itself never counts: a complaint
    received on a Friday with one business day to acknowledge is due on Monday). ``days`` = 0 is
    ``start`` itself."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, country=country, subdivision=subdivision):
            left -= 1
    return day
