"""Reads of treatment strategies (DESIGN.md 16): who is in which segment today, and which arm the stable
hash gives an account.

Segment membership is one queryset over the book: each active account gets the first segment of the
strategy it matches (``segment_id``), or none. Pre-due segments are for accounts still current (DPD 0):
their next due date is the earliest unsettled installment's.

The arm: a slot in [0, 10000) from a stable hash of (segment, account), compared with the arms'
cumulative shares in basis points. The hash is integer arithmetic modulo the Mersenne prime 2^31 - 1 with
one squaring round (so that two segments' draws are independent of each other, not shifts of one
another), which SQLite and PostgreSQL compute alike within 64 bits; ``arm_slot`` is the same in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from accounts.models import Installment, LoanAccount
from collections_app.models import Arm, Segment, Strategy

MODULUS = 2_147_483_647
SLOTS = 10_000


def arm_slot(segment_id: int, account_id: int) -> int:
    """The account's slot in the segment's experiment, in [0, 10000): the same number every run."""
    account, segment = account_id % MODULUS, segment_id % MODULUS
    mixed = (account * 1_103_515_245 + segment * 69_621 + 12_345) % MODULUS
    mixed = (mixed * mixed + segment * 16_807 + 1) % MODULUS
    return ((mixed * 48_271 + 11) % MODULUS) % SLOTS


def arm_slot_expression(segment_id: int, account: str = "pk") -> Combinable:
    """``arm_slot(segment_id, account)`` in SQL, over the account id in the column ``account``."""
    big = BigIntegerField()
    segment = segment_id % MODULUS
    mixed = (Cast(F(account), big) % MODULUS * Value(1_103_515_245, big) + Value(segment * 69_621 + 12_345, big)) % MODULUS
    mixed = (mixed * mixed + Value(segment * 16_807 + 1, big)) % MODULUS
    return ((mixed * Value(48_271, big) + Value(11, big)) % MODULUS) % SLOTS


def arm_boundaries(arms: Sequence[Arm]) -> list[tuple[int, Arm]]:
    """Each arm with the slot its share ends at (cumulative basis points, in the order given)."""
    bounds, total = [], Decimal("0")
    for arm in arms:
        total += arm.share
        bounds.append((int(total * 100), arm))
    return bounds


def arm_for_slot(arms: Sequence[Arm], slot: int) -> Arm:
    for bound, arm in arm_boundaries(arms):
        if slot < bound:
            return arm
    return arms[-1]


def arm_expression(arms: Sequence[Arm], slot: str = "slot") -> Case:
    """The arm id of the ``slot`` annotation against the arms' shares (the last arm takes any rounding left over)."""
    return Case(
        *(When(Q(**{f"{slot}__lt": bound}), then=Value(arm.pk)) for bound, arm in arm_boundaries(arms) if bound > 0),
        default=Value(arms[-1].pk),
        output_field=IntegerField(),
    )


def segment_arms(segment: Segment) -> list[Arm]:
    """The segment's arms in the order their shares are laid out: the champion first, then by id."""
    return sorted(segment.arms.all(), key=lambda arm: (arm.kind != Arm.Kind.CHAMPION, arm.pk))


def segment_condition(segment: Segment, today: dt.date) -> Q:
    """The segment's filter over ``strategy_book`` (which has the ``next_due`` annotation)."""
    condition = Q()
    if segment.bucket:
        condition &= Q(bucket=segment.bucket)
    if segment.dpd_min is not None:
        condition &= Q(dpd__gte=segment.dpd_min)
    if segment.dpd_max is not None:
        condition &= Q(dpd__lte=segment.dpd_max)
    if segment.pre_due:
        condition &= Q(dpd=0)
        if segment.days_to_due_max is not None:
            # First, cheaply: an unsettled installment falls due in the window (one hashed set of loans for
            # the whole book), so the next due date is looked up only for the accounts that may be in it.
            window = Installment.objects.filter(
                settled_on__isnull=True,
                due_date__gte=today + dt.timedelta(days=segment.days_to_due_min or 0),
                due_date__lte=today + dt.timedelta(days=segment.days_to_due_max),
            )
            condition &= Q(pk__in=window.values("loan_id"))
        condition &= Q(next_due__isnull=False)
        if segment.days_to_due_min is not None:
            condition &= Q(next_due__gte=today + dt.timedelta(days=segment.days_to_due_min))
        if segment.days_to_due_max is not None:
            condition &= Q(next_due__lte=today + dt.timedelta(days=segment.days_to_due_max))
    if segment.product:
        condition &= Q(product=segment.product)
    if segment.balance_min is not None:
        condition &= Q(outstanding_balance__gte=segment.balance_min)
    if segment.balance_max is not None:
        condition &= Q(outstanding_balance__lt=segment.balance_max)
    if segment.language:
        condition &= Q(borrower__language=segment.language)
    if segment.country:
        condition &= Q(borrower__country=segment.country)
    return condition


def strategy_book(*, pre_due: bool = True) -> QuerySet[LoanAccount]:
    """The accounts a strategy may treat: active ones, with the next due date when a segment needs it."""
    book = LoanAccount.objects.filter(status=LoanAccount.Status.ACTIVE)
    if pre_due:
        unsettled = Installment.objects.filter(loan=OuterRef("pk"), settled_on__isnull=True).order_by("due_date")
        book = book.annotate(next_due=Subquery(unsettled.values("due_date")[:1]))
    return book


def strategy_segments(strategy: Strategy) -> list[Segment]:
    return list(strategy.segments.order_by("position").prefetch_related("arms"))


def segment_members(strategy: Strategy, today: dt.date, segments: Sequence[Segment] | None = None) -> QuerySet[LoanAccount]:
    """The book's accounts in one of the strategy's segments on ``today``, each with its ``segment_id``.

    One query: an account is in the first segment (by order) it matches; accounts in none are left out.
    """
    segments = strategy_segments(strategy) if segments is None else list(segments)
    book = strategy_book(pre_due=any(segment.pre_due for segment in segments))
    if not segments:
        return book.none().annotate(segment_id=Value(None, output_field=IntegerField()))
    placed = book.annotate(
        segment_id=Case(
            *(When(segment_condition(segment, today), then=Value(segment.pk)) for segment in segments),
            default=None,
            output_field=IntegerField(),
        )
    )
    return placed.filter(segment_id__isnull=False)
