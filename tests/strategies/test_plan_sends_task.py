"""The beat's run of the plan's messages hands over every send due, however many, through its dispatchers."""

from __future__ import annotations

import copy as copying
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from collections_app.models import Action, PlanAction
from collections_app.tasks import plan_sends_task
from tests.strategies.book import account, shipped

pytestmark = pytest.mark.django_db

SENDS = 2_001  # one more than a dispatcher's turn


def copy(step: Action, **changes: object) -> Action:
    twin = copying.copy(step)
    for name, value in changes.items():
        setattr(twin, name, value)
    return twin


@override_settings(PLAN_SENDS_DISPATCHERS=2)
def test_one_beat_run_hands_over_every_send_due_not_only_the_first_turn() -> None:
    # Given more planned sends due now than one turn of a dispatcher takes (a borrower with no phone
    # to text, so each one ends skipped)
    loan = account(due_in=3)
    step = Action.objects.filter(arm__segment__strategy=shipped(), kind="send")[0]
    steps = Action.objects.bulk_create(copy(step, pk=None, day_offset=100 + n) for n in range(SENDS))
    now = timezone.now()
    PlanAction.objects.bulk_create(
        PlanAction(
            date=now.date() + dt.timedelta(days=2), account=loan, strategy=step.arm.segment.strategy,
            strategy_version=step.arm.segment.strategy.version, segment=step.arm.segment, arm=step.arm,
            action=twin, kind="send", day_offset=twin.day_offset, channel="sms", template_code="pre_due_sms",
            not_before=now - dt.timedelta(minutes=n % 60 + 1), created_at=now,
        )  # fmt: skip
        for n, twin in enumerate(steps)
    )

    # When the beat runs the task once
    plan_sends_task()

    # Then none of them is left planned
    sends = PlanAction.objects.filter(kind="send")
    assert sends.count() == SENDS
    assert not sends.filter(status="planned").exists()
    assert set(sends.values_list("status", "reason")) == {("skipped", "no_address")}
