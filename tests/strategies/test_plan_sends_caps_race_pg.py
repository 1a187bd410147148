"""Dispatchers of the plan's sends running at once, each deciding its batch under one lock of the batch's
counters: the cap per 7 days of a debt still holds, exactly."""

from __future__ import annotations

import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

from collections_app.models import Action, ContactAttempt, Message, PlanAction, Strategy
from collections_app.services.messages import message_create
from collections_app.services.plan_sending import plan_sends_dispatch
from scheduling.engine.clock import local_date
from scheduling.engine.policies import policies_changed
from scheduling.models import ChannelRule
from tests.concurrency import at_once
from tests.messaging.conftest import MORNING, NY, days, texting_debt

DISPATCHERS = 8
SENDS = 16
WEEKLY_CAP = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_dispatchers_never_pass_the_cap_per_seven_days() -> None:
    # Given a debt with one of its three texts of the week sent, no daily cap in the way, and sixteen
    # texts planned for it today (sixteen steps of its plan)
    importlib.import_module("collections_app.migrations.0026_strategy_preset").ensure_defaults(apps, None)
    debt = texting_debt()
    ChannelRule.objects.filter(channel="sms").update(daily_debt_cap=None)
    policies_changed()
    assert message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING).allowed
    at = MORNING + days(1)
    step = Action.objects.filter(arm__segment__strategy=Strategy.objects.get(code="standard", active=True), kind="send")[0]
    for n in range(SENDS):
        twin = Action.objects.get(pk=step.pk)
        twin.pk, twin.day_offset, twin.channel, twin.template_code = None, 20 + n, "sms", "pre_due_sms"
        twin.save()
        PlanAction.objects.create(
            date=local_date(ZoneInfo(NY), at), account=debt.account, case=debt.case, strategy=twin.arm.segment.strategy,
            strategy_version=twin.arm.segment.strategy.version, segment=twin.arm.segment, arm=twin.arm, action=twin,
            kind="send", day_offset=twin.day_offset, channel="sms", template_code="pre_due_sms",
            not_before=at - days(0.01), created_at=timezone.now(),
        )  # fmt: skip

    # When eight dispatchers take two sends each at once (and one more takes whatever they left)
    at_once(DISPATCHERS, lambda _index: plan_sends_dispatch(now=at, limit=2))
    plan_sends_dispatch(now=at)

    # Then exactly the two texts left in the week were queued; every other send was refused with the
    # weekly cap, its decision and reason kept; none failed
    sends = PlanAction.objects.filter(account=debt.account)
    assert sorted(sends.values_list("status", flat=True)) == ["queued"] * 2 + ["refused"] * (SENDS - 2)
    assert set(sends.filter(status="refused").values_list("reason", flat=True)) == {"weekly_cap"}
    assert ContactAttempt.objects.filter(account=debt.account, channel="sms").count() == WEEKLY_CAP
    refused = Message.objects.filter(status="refused")
    assert refused.count() == SENDS - 2
    assert all(m.decision["reasons"][0]["code"] == "weekly_cap" and m.decision["next_allowed_at"] for m in refused)
