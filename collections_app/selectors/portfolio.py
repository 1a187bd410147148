"""The supervisor's portfolio: count and balances per bucket at the latest COB date, against the one before,
one table per currency of the book (amounts in two currencies are never added).

Reads only the aggregate tables (``CobRun``, ``BucketDailyTotal``, ``Bucket``): three queries
whatever the size of the book.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from accounts.models import ZERO, Bucket, BucketDailyTotal, CobRun

PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Change:
    """A figure at the latest COB date, the previous one, and the change between them."""

    current: Decimal | int
    previous: Decimal | int | None

    @property
    def delta(self) -> Decimal | int | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        """Change in percent of the previous figure; None when there is nothing to compare with."""
        if self.previous is None or self.previous == 0:
            return None
        return (Decimal(self.current - self.previous) * 100 / self.previous).quantize(PERCENT)

    def __add__(self, other: Change) -> Change:
        previous = None if self.previous is None or other.previous is None else self.previous + other.previous
        return Change(self.current + other.current, previous)


@dataclass(frozen=True)
class BucketRow:
    code: str
    label: str
    accounts: Change
    overdue_amount: Change
    outstanding_balance: Change
    # Delinquent buckets: a rise in count or overdue amount is bad news; for current and totals it is neutral.
    higher_is_worse: bool = False

    def __add__(self, other: BucketRow) -> BucketRow:
        return BucketRow(
            self.code,
            self.label,
            self.accounts + other.accounts,
            self.overdue_amount + other.overdue_amount,
            self.outstanding_balance + other.outstanding_balance,
            self.higher_is_worse,
        )


@dataclass(frozen=True)
class CurrencyBook:
    """The part of the book in one currency: its buckets, the delinquent subtotal and its total."""

    currency: str
    rows: list[BucketRow]
    delinquent: BucketRow
    total: BucketRow


@dataclass(frozen=True)
class Portfolio:
    cob_date: date
    previous_cob_date: date | None
    books: list[CurrencyBook]


def portfolio_latest() -> Portfolio | None:
    """The portfolio at the latest finished COB date, or None when no COB has finished yet."""
    dates = list(
        CobRun.objects.filter(status=CobRun.Status.DONE).order_by("-date").values_list("date", flat=True)[:2]
    )
    if not dates:
        return None
    cob_date, previous = dates[0], (dates[1] if len(dates) > 1 else None)

    totals: dict[tuple[date, str, str], BucketDailyTotal] = {
        (total.date, total.currency, total.bucket): total
        for total in BucketDailyTotal.objects.filter(date__in=dates).only(
            "date", "bucket", "currency", "accounts", "overdue_amount", "outstanding_balance"
        )
    }
    buckets = list(Bucket.objects.order_by("position").values_list("code", "label", "min_dpd"))
    labels = {code: label for code, label, _min_dpd in buckets}
    current_codes = {code for code, _label, min_dpd in buckets if min_dpd == 0}
    extra_codes = sorted({code for _day, _currency, code in totals} - set(labels))
    order = [*labels, *extra_codes]
    # The currencies of the latest date, largest book first (by accounts), then by code.
    sizes: dict[str, int] = {}
    for (day, currency, _code), total in totals.items():
        if day == cob_date:
            sizes[currency] = sizes.get(currency, 0) + total.accounts
    currencies = sorted(sizes, key=lambda currency: (-sizes[currency], currency))

    zero: dict[str, Decimal | int] = {"accounts": 0, "overdue_amount": ZERO, "outstanding_balance": ZERO}

    def book(currency: str) -> CurrencyBook:
        def change(code: str, field: str) -> Change:
            def value(day: date) -> Decimal | int:
                total = totals.get((day, currency, code))
                return getattr(total, field) if total is not None else zero[field]

            return Change(value(cob_date), value(previous) if previous is not None else None)

        rows = [
            BucketRow(
                code,
                labels.get(code, code),
                change(code, "accounts"),
                change(code, "overdue_amount"),
                change(code, "outstanding_balance"),
                higher_is_worse=code not in current_codes,
            )
            for code in order
        ]
        nothing = {field: Change(value, None if previous is None else value) for field, value in zero.items()}
        empty = BucketRow("", "", nothing["accounts"], nothing["overdue_amount"], nothing["outstanding_balance"])
        delinquent = sum((row for row in rows if row.code not in current_codes), replace(empty, higher_is_worse=True))
        return CurrencyBook(currency, rows, delinquent, sum(rows, empty))

    return Portfolio(cob_date, previous, [book(currency) for currency in currencies])
