"""Demo loans: a monthly schedule, the borrower's payment behaviour, and the waterfall's result.

Each loan is built entirely in memory: the schedule (principal / interest split of an annuity,
fees), the payments its borrower made up to yesterday, then ``waterfall.allocate`` over them in
the same order ``loans_reallocate`` uses, so the installments' paid columns, settle dates,
allocations and the loan's status are exactly what a reallocation would write.

The behaviour mix is tuned so that about 8% of accounts are past due on the last day, with
cures, rolls from M1 to M2, M3 and beyond, and a few early payoffs along the way.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from zoneinfo import ZoneInfo

from accounts.services.waterfall import Slot, allocate

CENT = Decimal("0.01")
INSTALLMENTS = 6
PENALTY_GRACE_DAYS = 15
LATE_FEE_CENTS = {"USD": 1500, "CNY": 5000}
SERVICE_FEE_CENTS = {"USD": 300, "CNY": 1500}
ORIGINATION_FEE_RATE = Decimal("0.02")


class Behaviour(Enum):
    ON_TIME = "on_time"  # auto-debit on the due date, sometimes paid a few days early
    LATE = "late"  # pays by hand a few days after the due date
    MISS_AND_CURE = "miss_and_cure"  # misses one installment, catches up after a collection call
    ROLLER = "roller"  # stops paying and rolls M1 -> M2 -> M3...; some recover, some pay bits
    EARLY_PAYOFF = "early_payoff"  # pays off the remaining principal early (future interest waived)


BEHAVIOURS = (
    (Behaviour.ON_TIME, 0.55),
    (Behaviour.LATE, 0.18),
    (Behaviour.MISS_AND_CURE, 0.08),
    (Behaviour.ROLLER, 0.14),
    (Behaviour.EARLY_PAYOFF, 0.05),
)
_BEHAVIOUR_ITEMS = [b for b, _ in BEHAVIOURS]
_BEHAVIOUR_CUM = [sum(w for _, w in BEHAVIOURS[: i + 1]) for i in range(len(BEHAVIOURS))]


@dataclass(frozen=True)
class Product:
    code: str
    principal_range: tuple[int, int, int]  # whole currency units: from, to, step
    rates: tuple[str, ...]
    origination_fee: bool
    monthly_fee: bool


PRODUCTS = {
    ("USD", "cash"): Product("cash", (500, 3000, 100), ("0.2400", "0.2799", "0.2999", "0.3599"), True, False),
    ("USD", "instalment"): Product("instalment", (1000, 6000, 250), ("0.0999", "0.1299", "0.1499", "0.1799"), False, True),
    ("CNY", "cash"): Product("cash", (2000, 30000, 1000), ("0.1800", "0.2160", "0.2400"), True, False),
    ("CNY", "instalment"): Product("instalment", (3000, 20000, 500), ("0.1200", "0.1500"), False, True),
}
SHARE_CASH = 0.55

LOAN_COLUMNS = (
    "id", "external_id", "borrower_id", "product", "currency", "principal", "rate", "opened_on", "status",
    "closed_on", "cob_date", "dpd", "bucket", "overdue_amount", "outstanding_balance", "delinquent_since",
    "created_at", "updated_at",
)
INSTALLMENT_COLUMNS = (
    "id", "loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due", "penalty_due",
    "principal_paid", "interest_paid", "fee_paid", "penalty_paid", "settled_on", "last_paid_on",
)
PAYMENT_COLUMNS = (
    "id", "external_id", "loan_id", "amount", "received_at", "value_date", "channel", "status", "reversed_at",
    "unapplied_amount", "created_at",
)
ALLOCATION_COLUMNS = ("id", "payment_id", "installment_id", "value_date", "penalty", "fee", "interest", "principal", "total")


@dataclass
class LoanRows:
    loan: tuple[object, ...]
    installments: Sequence[tuple[object, ...]]
    payments: Sequence[tuple[object, ...]]
    allocations: Sequence[tuple[object, ...]]
    delinquent: bool


@dataclass
class Ids:
    """The next free primary key of each table; the generator hands them out in order."""

    borrower: int
    phone: int
    loan: int
    installment: int
    payment: int
    allocation: int


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def schedule_cents(currency: str, product: Product, principal: int, rate: str, count: int) -> tuple[tuple[int, int, int], ...]:
    """(principal, interest, fee) per installment, in cents, of an annuity at ``rate`` a year."""
    monthly = Decimal(rate) / 12
    balance = Decimal(principal)
    payment = (balance * monthly / (1 - (1 + monthly) ** -count)).quantize(CENT)
    rows = []
    for seq in range(1, count + 1):
        interest = (balance * monthly).quantize(CENT)
        part = balance if seq == count else payment - interest
        balance -= part
        fee = 0
        if product.origination_fee and seq == 1:
            fee = int((Decimal(principal) * ORIGINATION_FEE_RATE * 100).quantize(Decimal(1)))
        if product.monthly_fee:
            fee += SERVICE_FEE_CENTS[currency]
        rows.append((int(part * 100), int(interest * 100), fee))
    return tuple(rows)


_MONEY: dict[int, Decimal] = {}
ZERO = Decimal("0.00")


def _money(cents: int) -> Decimal:
    value = _MONEY.get(cents)
    if value is None:
        value = Decimal(cents).scaleb(-2)
        if len(_MONEY) < 200_000:
            _MONEY[cents] = value
    return value


def _randint(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` at a fraction of its cost (the seeder draws tens of millions)."""
    return low + int(rng.random() * (high - low + 1))


@cache
def _due_dates(opened_on: date, count: int) -> tuple[date, ...]:
    return tuple(add_months(opened_on, seq) for seq in range(1, count + 1))


@cache
def _schedule_money(currency: str, product: Product, principal: int, rate: str, count: int) -> tuple[dict[str, Decimal], ...]:
    return tuple(
        {"penalty": ZERO, "fee": _money(f), "interest": _money(i), "principal": _money(p)}
        for p, i, f in schedule_cents(currency, product, principal, rate, count)
    )


class _Book:
    """One loan's running state in cents while its borrower's behaviour plays out in date order.

    The waterfall pays the oldest installment first, so installment ``i`` is settled exactly
    when the total paid reaches the cumulative total due up to ``i``.
    """

    def __init__(self, dues: list[list[int]], due_dates: tuple[date, ...]) -> None:
        self.dues = dues  # per installment: [principal, interest, fee, penalty]
        self.due_dates = due_dates
        self.paid = 0
        self.changed: set[int] = set()
        self._sum()

    def _sum(self) -> None:
        total, self.cum = 0, []
        for due in self.dues:
            total += due[0] + due[1] + due[2] + due[3]
            self.cum.append(total)

    def owed_through(self, index: int) -> int:
        return self.cum[index] - self.paid

    def owed_on(self, day: date) -> int:
        """Everything due on or before ``day`` and not yet paid."""
        last = -1
        for i, due in enumerate(self.due_dates):
            if due <= day:
                last = i
        return max(self.cum[last] - self.paid, 0) if last >= 0 else 0

    def charge_penalty(self, index: int, cents: int) -> None:
        self.dues[index][3] += cents
        self.changed.add(index)
        self._sum()

    def waive_future(self, day: date) -> None:
        """Early payoff: interest and fees of installments not yet due are waived."""
        for i, due in enumerate(self.due_dates):
            if due > day:
                self.dues[i][1] = self.dues[i][2] = 0
                self.changed.add(i)
        self._sum()


# A payment intent: (value date, order within the day, kind, argument, channel).
# kind "through": pay everything owed up to installment ``argument``; "due": everything due on
# or before the value date; "cents": a fixed amount; "payoff": everything, future interest waived.
Intent = tuple[date, int, str, int, str]
DAY = timedelta(days=1)


def _lateness(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.25:
        return 0
    if roll < 0.60:
        return _randint(rng, 1, 3)
    if roll < 0.92:
        return _randint(rng, 4, 10)
    return _randint(rng, 11, 24)


def _on_time(rng: random.Random, due_dates: tuple[date, ...], first: int, last: int) -> list[Intent]:
    intents = []
    for i in range(first, last):
        if rng.random() < 0.1:
            intents.append((due_dates[i] - DAY * _randint(rng, 0, 3), 1, "through", i, "borrower"))
        else:
            intents.append((due_dates[i], 0, "through", i, "auto_debit"))
    return intents


def _intents(rng: random.Random, behaviour: Behaviour, due_dates: tuple[date, ...], installment_cents: int) -> list[Intent]:
    n = len(due_dates)
    if behaviour is Behaviour.ON_TIME:
        return _on_time(rng, due_dates, 0, n)
    if behaviour is Behaviour.LATE:
        return [(due_dates[i] + DAY * _lateness(rng), 1, "through", i, "borrower") for i in range(n)]
    if behaviour is Behaviour.MISS_AND_CURE:
        missed = _randint(rng, 0, n - 1)
        cure_on = due_dates[missed] + DAY * _randint(rng, 12, 50)
        intents = _on_time(rng, due_dates, 0, missed)
        intents.append((cure_on, 1, "due", 0, "agent_assisted"))
        intents += [t for t in _on_time(rng, due_dates, missed + 1, n) if t[0] > cure_on]
        return intents
    if behaviour is Behaviour.ROLLER:
        stop = _randint(rng, 0, n - 1)
        intents = _on_time(rng, due_dates, 0, stop)
        mode = rng.random()
        if mode < 0.35:  # recovers after one to three months behind, then pays on time
            back_on = due_dates[stop] + DAY * (30 * _randint(rng, 1, 3) + _randint(rng, -5, 10))
            intents.append((back_on, 1, "due", 0, "agent_assisted"))
            intents += [t for t in _on_time(rng, due_dates, stop, n) if t[0] > back_on]
        elif mode < 0.65:  # pays something every month, never enough to cure
            for month in range(1, _randint(rng, 2, 7)):
                share = 0.25 + 0.35 * rng.random()
                on = due_dates[stop] + DAY * (30 * month - _randint(rng, 0, 20))
                channel = "borrower" if rng.random() < 0.5 else "agent_assisted"
                intents.append((on, 1, "cents", int(installment_cents * share), channel))
        return intents
    payoff_after = _randint(rng, 1, n - 2)
    intents = _on_time(rng, due_dates, 0, payoff_after)
    intents.append((due_dates[payoff_after - 1] + DAY * _randint(rng, 3, 25), 2, "payoff", 0, "borrower"))
    return intents


def _received_at(rng: random.Random, value_date: date, zone: ZoneInfo, channel: str) -> datetime:
    """A local time on the value date, early enough that even Honolulu's is before midnight UTC."""
    hour = 6 if channel == "auto_debit" else _randint(rng, 7 if channel == "borrower" else 8, 13)
    seconds = int(rng.random() * 3600)
    local = time(hour, seconds // 60, seconds % 60)
    return datetime.combine(value_date, local, tzinfo=zone).astimezone(UTC)


def _simulate(
    rng: random.Random, behaviour: Behaviour, book: _Book, *, opened_on: date, today: date, currency: str
) -> list[tuple[date, int, str]]:
    """The payments (value date, cents, channel) the behaviour makes before ``today``.

    Late fees: an installment still open ``PENALTY_GRACE_DAYS`` after its due date is charged one.
    """
    due_dates = book.due_dates
    events = [t for t in _intents(rng, behaviour, due_dates, sum(book.dues[1])) if opened_on < t[0] < today]
    for i, due in enumerate(due_dates):
        check_on = due + DAY * PENALTY_GRACE_DAYS
        if check_on < today:
            events.append((check_on, 9, "penalty", i, ""))
    events.sort()
    made: list[tuple[date, int, str]] = []
    last = len(due_dates) - 1
    for day, _, kind, arg, channel in events:
        if kind == "penalty":
            if book.owed_through(arg) > 0:
                book.charge_penalty(arg, LATE_FEE_CENTS[currency])
            continue
        if kind == "through":
            cents = book.owed_through(arg)
        elif kind == "due":
            cents = book.owed_on(day)
        elif kind == "payoff":
            book.waive_future(day)
            cents = book.owed_through(last)
        else:
            cents = min(arg, book.owed_through(last))
        if cents > 0:
            book.paid += cents
            made.append((day, cents, channel))
    return made


def loan_build(
    rng: random.Random, *, ids: Ids, external_id: str, borrower_id: int, currency: str, timezone: str,
    opened_on: date, today: date, now: datetime, installments: int = INSTALLMENTS,
) -> LoanRows:
    """One loan with its schedule, the payments made before ``today``, and their allocation."""
    product = PRODUCTS[(currency, "cash" if rng.random() < SHARE_CASH else "instalment")]
    low, high, step = product.principal_range
    principal = low + step * int(rng.random() * ((high - low) // step + 1))
    rate = product.rates[int(rng.random() * len(product.rates))]
    dues = [[p, i, f, 0] for p, i, f in schedule_cents(currency, product, principal, rate, installments)]
    due_dates = _due_dates(opened_on, installments)
    behaviour = rng.choices(_BEHAVIOUR_ITEMS, cum_weights=_BEHAVIOUR_CUM)[0]
    book = _Book(dues, due_dates)
    made = _simulate(rng, behaviour, book, opened_on=opened_on, today=today, currency=currency)

    loan_id = ids.loan
    ids.loan += 1
    first_installment = ids.installment
    ids.installment += installments
    templates = _schedule_money(currency, product, principal, rate, installments)
    slots = []
    for index, due_date in enumerate(due_dates):
        due = dict(templates[index])
        if index in book.changed:
            p, i, f, pen = dues[index]
            due.update(penalty=_money(pen), fee=_money(f), interest=_money(i))
        slots.append(Slot(installment_id=first_installment + index, due_date=due_date, due=due))
    zone = ZoneInfo(timezone)
    received = [(_received_at(rng, day, zone, channel), day, cents, channel) for day, cents, channel in made]
    # The order loans_reallocate uses: value date, received at, id (ids follow this order).
    received.sort(key=lambda r: (r[1], r[0]))
    first_payment = ids.payment
    payments = [(first_payment + n, _money(cents), at, day, channel) for n, (at, day, cents, channel) in enumerate(received)]
    ids.payment += len(payments)
    applied, unapplied = allocate(slots, ((p[0], p[1], p[3]) for p in payments))

    allocation_rows = []
    for a in applied:
        amounts = a.amounts
        penalty, fee, interest, part = amounts["penalty"], amounts["fee"], amounts["interest"], amounts["principal"]
        allocation_rows.append(
            (ids.allocation, a.payment_id, a.installment_id, a.value_date, penalty, fee, interest, part,
             penalty + fee + interest + part)
        )
        ids.allocation += 1
    payment_rows = [
        (pid, f"{external_id}-{pid - first_payment + 1}", loan_id, amount, at, day, channel, "posted", None,
         unapplied[pid], now)
        for pid, amount, at, day, channel in payments
    ]
    installment_rows = []
    outstanding = ZERO
    oldest_open: date | None = None
    for seq, s in enumerate(slots, start=1):
        due, paid = s.due, s.paid
        installment_rows.append(
            (s.installment_id, loan_id, seq, s.due_date, due["principal"], due["interest"], due["fee"],
             due["penalty"], paid["principal"], paid["interest"], paid["fee"], paid["penalty"], s.settled_on,
             s.last_paid_on)
        )
        outstanding += due["principal"] - paid["principal"]
        # Every installment owes something, so "not settled" is the waterfall's "open".
        if oldest_open is None and s.settled_on is None:
            oldest_open = s.due_date
    paid_off = oldest_open is None
    closed_on = max(s.settled_on for s in slots if s.settled_on) if paid_off else None
    loan_row = (
        loan_id, external_id, borrower_id, product.code, currency, _money(principal * 100), Decimal(rate),
        opened_on, "paid_off" if paid_off else "active", closed_on, None, 0, "M0", ZERO,
        outstanding, None, now, now,
    )
    return LoanRows(
        loan_row, installment_rows, payment_rows, allocation_rows,
        delinquent=oldest_open is not None and oldest_open < today,
    )
