"""Matching payments to promises, and settling promises (DESIGN.md section 7).

The rules, made precise:

- **Window.** A payment counts toward a promise when it is posted (not reversed) on the promise's
  loan with a value date from the day the promise was made (``made_on``) to its ``deadline`` (the
  last part's date plus the grace days), both included.
- **Oldest first.** In value-date order, each payment goes to the loan's oldest open promise whose
  window holds it and that is not yet fully paid; what is left of it goes to the next one. A
  promise never receives more than its amount.
- **Recompute, not increment.** Received amounts are recomputed from the loan's posted payments on
  every call, so a reversed or returned payment un-applies itself while the promise is open.
- **Parts.** What a promise received fills its parts in date order.
- **Deciding a part.** Part *k* is decided the day after its deadline (its date plus the grace
  days): it is met when what the promise received up to that deadline reaches the kept threshold
  times the cumulative amount of parts 1..*k*. Paying early, or ahead, covers later parts.
- **Settling.** The first part not met settles the promise: *partially kept* when anything arrived
  toward it by that part's deadline, *broken* when nothing did; that part is partially kept or
  broken by what it received, and the later parts are cancelled. When every part is met the
  last part's deadline settles the promise *kept*. A plan is kept only if each of its parts was
  met on time, cumulatively. While a plan is open its decided parts are decided again on every
  run (a returned payment can turn a met part into a missed one); a settled promise never
  changes again.

Everything is a deterministic function of the payments and ``today``: running the settle job twice,
or late, gives the same result, and the second run writes nothing. Queries are per batch of loans
(promises, parts, payments, then the writes), never per promise.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import ZERO, Payment
from accounts.services.bulk import objects_update
from collections_app.models import PromisePart, PromiseToPay
from collections_app.services.priorities import cases_reprioritize
from scheduling.services.callbacks import callbacks_follow_up

logger = logging.getLogger(__name__)

BATCH = 1000
Status = PromiseToPay.Status
PROMISE_FIELDS = ("received_amount", "status", "settled_on")
PART_FIELDS = ("received_amount", "status", "settled_on")
Credit = tuple[dt.date, Decimal]


def credits_allocate(
    promises: list[PromiseToPay], payments: Iterable[tuple[dt.date, Decimal]]
) -> dict[int, list[Credit]]:
    """Spread one loan's payments (in value-date order) over its open promises (oldest first)."""
    room = {promise.pk: promise.amount for promise in promises}
    credits: dict[int, list[Credit]] = {promise.pk: [] for promise in promises}
    for value_date, amount in payments:
        left = amount
        for promise in promises:
            if left <= 0:
                break
            if room[promise.pk] <= 0 or not promise.made_on <= value_date <= promise.deadline:
                continue
            taken = min(left, room[promise.pk])
            credits[promise.pk].append((value_date, taken))
            room[promise.pk] -= taken
            left -= taken
    return credits


def _received_by(credits: list[Credit], day: dt.date) -> Decimal:
    return sum((amount for value_date, amount in credits if value_date <= day), ZERO)


def promise_judge(
    promise: PromiseToPay, parts: list[PromisePart], credits: list[Credit], today: dt.date | None
) -> None:
    """Set received amounts (and, with ``today``, statuses) on an open promise and its parts, in memory.

    ``parts`` in date order. Without ``today`` only the received amounts change (matching).
    """
    decided: list[bool] = []
    deciding: int | None = None
    if today is not None:
        cumulative = ZERO
        for index, part in enumerate(parts):
            if part.deadline >= today:
                break
            cumulative += part.amount
            met = _received_by(credits, part.deadline) >= promise.kept_threshold * cumulative
            decided.append(met)
            if not met or index == len(parts) - 1:
                deciding = index
                break
    window_end = parts[deciding].deadline if deciding is not None else promise.deadline
    received = _received_by(credits, window_end)
    promise.received_amount = received
    left = received
    for part in parts:
        part.received_amount = min(left, part.amount)
        left -= part.received_amount

    def settle(obj: PromiseToPay | PromisePart, status: str) -> None:
        if obj.status != status:
            obj.status = status
            obj.settled_on = None if status == Status.OPEN else today

    if today is None:
        return
    for index, part in enumerate(parts):
        if index < len(decided):
            if decided[index]:
                settle(part, Status.KEPT)
            else:
                settle(part, Status.PARTIALLY_KEPT if part.received_amount > 0 else Status.BROKEN)
        elif deciding is not None:
            settle(part, Status.CANCELLED)
        else:
            settle(part, Status.OPEN)
    if deciding is not None:
        if all(decided):
            settle(promise, Status.KEPT)
        else:
            settle(promise, Status.PARTIALLY_KEPT if received > 0 else Status.BROKEN)


@dataclass
class MatchResult:
    promises_changed: int = 0
    parts_changed: int = 0
    settled: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def _chunks(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _match(loan_ids: Collection[int], today: dt.date | None) -> MatchResult:
    """Recompute the open promises of these loans; with ``today``, decide the parts past deadline."""
    result = MatchResult()
    for chunk in _chunks(sorted(set(loan_ids))):
        promises = list(
            PromiseToPay.objects.filter(account_id__in=chunk, status=Status.OPEN)
            .only(
                "pk",
                "case_id",
                "account_id",
                "made_on",
                "deadline",
                "amount",
                "kept_threshold",
                *PROMISE_FIELDS,
            )
            .order_by("account_id", "made_on", "pk")
        )
        if not promises:
            continue
        parts: dict[int, list[PromisePart]] = defaultdict(list)
        for part in PromisePart.objects.filter(promise__in=promises).order_by("promise_id", "due_date"):
            parts[part.promise_id].append(part)
        payments: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for loan_id, value_date, amount in (
            Payment.objects.filter(
                loan_id__in={p.account_id for p in promises},
                status=Payment.Status.POSTED,
                value_date__gte=min(p.made_on for p in promises),
                value_date__lte=max(p.deadline for p in promises),
            )
            .order_by("loan_id", "value_date", "received_at", "pk")
            .values_list("loan_id", "value_date", "amount")
        ):
            payments[loan_id].append((value_date, amount))
        by_loan: dict[int, list[PromiseToPay]] = defaultdict(list)
        for promise in promises:
            by_loan[promise.account_id].append(promise)

        changed_promises: list[PromiseToPay] = []
        changed_parts: list[PromisePart] = []
        for loan_id, loan_promises in by_loan.items():
            credits = credits_allocate(loan_promises, payments[loan_id])
            for promise in loan_promises:
                own = parts[promise.pk]
                before = [tuple(getattr(o, f) for f in PROMISE_FIELDS) for o in [promise, *own]]
                promise_judge(promise, own, credits[promise.pk], today)
                after = [tuple(getattr(o, f) for f in PROMISE_FIELDS) for o in [promise, *own]]
                if before[0] != after[0]:
                    changed_promises.append(promise)
                    if promise.status != Status.OPEN:
                        result.settled[promise.status].append(promise.pk)
                changed_parts.extend(
                    part for part, b, a in zip(own, before[1:], after[1:], strict=True) if b != a
                )
        now = timezone.now()
        for promise in changed_promises:
            promise.updated_at = now
        objects_update(PromiseToPay, changed_promises, [*PROMISE_FIELDS, "updated_at"])
        objects_update(PromisePart, changed_parts, PART_FIELDS)
        result.promises_changed += len(changed_promises)
        result.parts_changed += len(changed_parts)
    return result


@transaction.atomic
def promises_apply_payments(*, loan_ids: Collection[int]) -> int:
    """Recompute what the open promises of these loans received; return the promises changed.

    Called by ``services.book`` right after ``payments_post`` and ``payment_reverse``, in their
    transaction (which holds the loans' locks).
    Statuses are left to the settle job.
    """
    if not loan_ids:
        return 0
    return _match(loan_ids, None).promises_changed


@dataclass
class SettleResult:
    kept: int
    partially_kept: int
    broken: int
    parts_changed: int
    follow_ups: int
    reprioritized: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@transaction.atomic
def promises_settle(*, today: dt.date, now: dt.datetime | None = None) -> SettleResult:
    """Decide every open promise with a part past its deadline (before ``today``); idempotent.

    Then schedules a follow-up callback for each promise newly missed (broken or partially kept)
    on an open case, at the next time the compliance engine allows from ``now``, and recomputes
    case priorities. A second run for the same day changes nothing.
    """
    past_deadline = PromisePart.objects.filter(promise=OuterRef("pk"), deadline__lt=today)
    loan_ids = list(
        PromiseToPay.objects.filter(Exists(past_deadline), status=Status.OPEN)
        .values_list("account_id", flat=True)
        .distinct()
    )
    matched = _match(loan_ids, today)
    missed = matched.settled[Status.BROKEN] + matched.settled[Status.PARTIALLY_KEPT]
    follow_ups = callbacks_follow_up(promise_ids=missed, now=now or timezone.now()) if missed else 0
    result = SettleResult(
        kept=len(matched.settled[Status.KEPT]),
        partially_kept=len(matched.settled[Status.PARTIALLY_KEPT]),
        broken=len(matched.settled[Status.BROKEN]),
        parts_changed=matched.parts_changed,
        follow_ups=follow_ups,
        reprioritized=cases_reprioritize(today=today),
    )
    logger.info("promises settled for %s: %s", today.isoformat(), result.as_dict())
    return result
