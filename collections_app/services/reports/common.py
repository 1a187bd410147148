"""What every report family shares: COB dates, month-ends, the book's day, the states of the matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Max

from accounts.models import Bucket, CobRun
from accounts.services.cob import CLOSED_CODES, DEFAULT_BUCKETS

# Closed pseudo-buckets in the order the matrix shows them.
CLOSED_STATES = ("PAID", "SETTLED", "CO")
assert set(CLOSED_STATES) == set(CLOSED_CODES.values())


@dataclass(frozen=True)
class BucketScale:
    """The bucket codes in order, which one is current (M0), and which count as M2 and worse."""

    codes: tuple[str, ...]

    @property
    def current(self) -> str:
        return self.codes[0]

    @property
    def delinquent(self) -> tuple[str, ...]:
        return self.codes[1:]

    @property
    def m2_and_worse(self) -> tuple[str, ...]:
        """Buckets from the third on (M2+ with the shipped boundaries: over 30 DPD)."""
        return self.codes[2:]

    @property
    def states(self) -> tuple[str, ...]:
        return (*self.codes, *CLOSED_STATES)

    @property
    def worst(self) -> str:
        return self.codes[-1]


def bucket_scale() -> BucketScale:
    codes = tuple(Bucket.objects.order_by("position").values_list("code", flat=True))
    return BucketScale(codes or tuple(code for code, *_rest in DEFAULT_BUCKETS))


def cob_dates(first: dt.date | None = None, last: dt.date | None = None) -> list[dt.date]:
    """Finished COB dates between ``first`` and ``last`` (both included), in order."""
    runs = CobRun.objects.filter(status=CobRun.Status.DONE)
    if first is not None:
        runs = runs.filter(date__gte=first)
    if last is not None:
        runs = runs.filter(date__lte=last)
    return list(runs.order_by("date").values_list("date", flat=True))


def cob_done(day: dt.date) -> bool:
    return CobRun.objects.filter(date=day, status=CobRun.Status.DONE).exists()


def previous_cob(day: dt.date) -> dt.date | None:
    return CobRun.objects.filter(date__lt=day, status=CobRun.Status.DONE).aggregate(d=Max("date"))["d"]


def latest_cob() -> dt.date | None:
    return CobRun.objects.filter(status=CobRun.Status.DONE).aggregate(d=Max("date"))["d"]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s to ``last``'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def month_end_cob(month: dt.date) -> dt.date | None:
    """The month-end of ``month``: its last finished COB date (the latest so far in a running month)."""
    return (
        CobRun.objects.filter(status=CobRun.Status.DONE, date__gte=month, date__lt=next_month(month))
        .aggregate(d=Max("date"))["d"]
    )


def previous_month_end_cob(month: dt.date) -> dt.date | None:
    """The last finished COB date before ``month`` starts."""
    return CobRun.objects.filter(status=CobRun.Status.DONE, date__lt=month).aggregate(d=Max("date"))["d"]


def months_on_book(cohort: dt.date, month: dt.date) -> int:
    return (month.year - cohort.year) * 12 + month.month - cohort.month


def rows_replace(model: type[models.Model], *, where: dict[str, object], rows: Iterable[models.Model]) -> int:
    """Delete the rows matching ``where`` and insert ``rows`` instead, in one transaction.

    This is what makes every job idempotent for its date: a second run replaces the first's rows
    with identical ones, and a run killed half way leaves each date either replaced or untouched.
    Two runs of the same rows at once (a redelivered task overlapping its first delivery, the
    nightly job and a backfill) take turns on a lock of the table and ``where`` held until the
    commit: otherwise the second would not see the first's new rows (read committed) and would
    add a second set.
    """
    with transaction.atomic():
        _replace_lock(model, where)
        model._default_manager.filter(**where).delete()
        created = model._default_manager.bulk_create(list(rows), batch_size=2000)
    return len(created)


def _replace_lock(model: type[models.Model], where: dict[str, object]) -> None:
    """PostgreSQL: a transaction-level advisory lock named by the table and ``where`` (SQLite lets one
    writer at a time in anyway)."""
    if connection.vendor != "postgresql":
        return
    name = "|".join([model._meta.db_table, *(f"{key}={value}" for key, value in sorted(where.items()))])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def dates_in(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def chunked(items: Sequence[dt.date], size: int) -> list[list[dt.date]]:
    return [list(items[index : index + size]) for index in range(0, len(items), size)]
