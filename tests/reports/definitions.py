"""The report figures restated from their definitions (DESIGN.md sections 3 and 9), account by account.

Nothing here reads a snapshot, a transition or an aggregate: states come from the installments
and the payment allocations as of a date, exactly as the definitions say, so the tests compare the
jobs' set-based SQL with an independent computation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import CLOSED_CODES, Bucket, Installment, LoanAccount, PaymentAllocation

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class State:
    state: str  # a bucket code, a closed code, or "" when not on the book yet
    dpd: int
    overdue: Decimal
    outstanding: Decimal


def _paid_as_of(installment: Installment, day: dt.date, allocations: dict[int, list[PaymentAllocation]]) -> tuple[Decimal, Decimal]:
    rows = [a for a in allocations.get(installment.pk, []) if a.value_date <= day]
    return sum((a.total for a in rows), ZERO), sum((a.principal for a in rows), ZERO)


def states_at(day: dt.date) -> dict[int, State]:
    """Every loan's state at ``day``: DPD from the oldest installment not fully paid as of the day."""
    buckets = list(Bucket.objects.order_by("position"))
    allocations: dict[int, list[PaymentAllocation]] = defaultdict(list)
    for allocation in PaymentAllocation.objects.all():
        allocations[allocation.installment_id].append(allocation)
    installments: dict[int, list[Installment]] = defaultdict(list)
    for installment in Installment.objects.order_by("due_date"):
        installments[installment.loan_id].append(installment)
    result = {}
    for loan in LoanAccount.objects.all():
        if loan.opened_on > day:
            result[loan.pk] = State("", 0, ZERO, ZERO)
            continue
        if loan.status != LoanAccount.Status.ACTIVE and loan.closed_on is not None and loan.closed_on <= day:
            result[loan.pk] = State(CLOSED_CODES[loan.status], 0, ZERO, ZERO)
            continue
        overdue, outstanding, oldest = ZERO, ZERO, None
        for installment in installments[loan.pk]:
            paid, principal_paid = _paid_as_of(installment, day, allocations)
            outstanding += installment.principal_due - principal_paid
            if installment.due_date < day:
                overdue += installment.total_due - paid
                if paid < installment.total_due and oldest is None:
                    oldest = installment.due_date
        if not installments[loan.pk]:
            outstanding = loan.principal
        dpd = (day - oldest).days if oldest else 0
        code = next(b.code for b in buckets if b.min_dpd <= dpd and (b.max_dpd is None or dpd <= b.max_dpd))
        result[loan.pk] = State(code, dpd, overdue, outstanding)
    return result


def products() -> dict[int, str]:
    return dict(LoanAccount.objects.values_list("pk", "product"))


def bucket_balances(day: dt.date) -> dict[tuple[str, str], tuple[int, Decimal, Decimal]]:
    """(product, bucket) -> (accounts, overdue, outstanding) of the active accounts at ``day``."""
    sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, ZERO, ZERO])
    product_of = products()
    for account, state in states_at(day).items():
        if state.state and state.state not in CLOSED_CODES.values():
            row = sums[(product_of[account], state.state)]
            row[0] += 1
            row[1] += state.overdue
            row[2] += state.outstanding
    return {key: tuple(value) for key, value in sums.items()}  # type: ignore[misc]


def transition_matrix(prev: dt.date, cur: dt.date) -> dict[tuple[str, str, str], tuple[int, Decimal, Decimal]]:
    """(product, from, to) -> (accounts, balance at prev, balance at cur; for closed: at prev), for
    every account on the book and not closed at ``prev``."""
    before, after, product_of = states_at(prev), states_at(cur), products()
    cells: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, ZERO, ZERO])
    for account, then in before.items():
        if not then.state or then.state in CLOSED_CODES.values():
            continue
        now = after[account]
        cell = cells[(product_of[account], then.state, now.state)]
        cell[0] += 1
        cell[1] += then.outstanding
        cell[2] += then.outstanding if now.state in CLOSED_CODES.values() else now.outstanding
    return {key: tuple(value) for key, value in cells.items()}  # type: ignore[misc]
