"""Writes of treatment strategies (DESIGN.md 16): recording each account's arm, once.

``arm_assignments_record`` gives every account in one of the strategy's segments today that has no arm
yet in that segment its arm by the stable hash against the shares, in one insert-select per batch of
new rows; accounts already assigned keep theirs, whatever the shares are now. Running it again the
same day records nothing new.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, When
from django.utils.translation import gettext as _

from collections_app.models import ArmAssignment, Segment, Strategy
from collections_app.selectors.strategies import (
    arm_expression,
    arm_slot_expression,
    segment_arms,
    segment_members,
    strategy_segments,
)
from config.errors import DomainError, ErrorCode

BATCH = 5000


def segment_shares_check(segment: Segment) -> None:
    """Refuse a segment whose arms do not add up to 100%."""
    arms = segment_arms(segment)
    total = sum((arm.share for arm in arms), Decimal("0"))
    if not arms or total != Decimal("100"):
        raise DomainError(
            _("The arms of segment %(segment)s add up to %(total)s%%, not 100%%.")
            % {"segment": segment.code, "total": total},
            code=ErrorCode.INVALID,
            errors={"arms": [_("The shares of a segment's arms must add up to 100.")]},
        )


@transaction.atomic
def arm_assignments_record(*, strategy: Strategy, today: dt.date, now: dt.datetime) -> int:
    """Record the arm of each account in the strategy's segments on ``today`` not assigned there yet.

    Returns how many were recorded. Safe to run twice and concurrently: the unique (account, segment)
    keeps the first one recorded.
    """
    segments = strategy_segments(strategy)
    for segment in segments:
        segment_shares_check(segment)
    members = segment_members(strategy, today, segments)
    if not segments:
        return 0
    # One pass over the book for every segment: each member's slot in its own segment's draw, and the arm.
    slots = {f"slot_{segment.pk}": arm_slot_expression(segment.pk) for segment in segments}
    arm = Case(
        *(
            When(Q(segment_id=segment.pk), then=arm_expression(segment_arms(segment), slot=f"slot_{segment.pk}"))
            for segment in segments
        ),
        default=None,
        output_field=IntegerField(),
    )
    assigned = ArmAssignment.objects.filter(account=OuterRef("pk"), segment_id=OuterRef("segment_id"))
    new = (
        members.filter(~Exists(assigned))
        .annotate(**slots)
        .annotate(arm_id=arm)
        .order_by()
        .values_list("pk", "segment_id", "arm_id")
    )
    recorded = 0
    batch: list[ArmAssignment] = []
    for account_id, segment_id, arm_id in new.iterator(chunk_size=BATCH):
        batch.append(
            ArmAssignment(account_id=account_id, strategy=strategy, segment_id=segment_id, arm_id=arm_id, assigned_at=now)
        )
        if len(batch) >= BATCH:
            recorded += len(ArmAssignment.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        recorded += len(ArmAssignment.objects.bulk_create(batch, ignore_conflicts=True))
    return recorded
