"""What the report jobs and the report reads share: COB dates, month-ends, the bucket scale, the states
of the matrix and of the forecast, and the expressions both count with. Reads only; nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import DecimalField, ExpressionWrapper, F, Max

from accounts.models import CLOSED_CODES, DEFAULT_BUCKETS, Bucket, CobRun
from collections_app.models import PromiseToPay

# Closed pseudo-buckets in the order the matrix shows them.
CLOSED_STATES = ("PAID", "SETTLED", "CO")
assert set(CLOSED_STATES) == set(CLOSED_CODES.values())

# The forecast's absorbing state: paid off or settled.
PAID = "PAID"

# Promises whose outcome is known: the denominator of the kept rate.
JUDGED = (PromiseToPay.Status.KEPT, PromiseToPay.Status.PARTIALLY_KEPT, PromiseToPay.Status.BROKEN)

# What an installment asks for in all: principal, interest, fees and penalties.
TOTAL_DUE = ExpressionWrapper(
    F("principal_due") + F("interest_due") + F("fee_due") + F("penalty_due"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


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


def forecast_states(scale: BucketScale) -> tuple[str, ...]:
    return (*scale.codes, PAID)


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


def dates_in(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def chunked(items: Sequence[dt.date], size: int) -> list[list[dt.date]]:
    return [list(items[index : index + size]) for index in range(0, len(items), size)]
