"""Sixteen senders racing for the last texts of a debt's week: the cap per 7 days holds (row lock)."""

from __future__ import annotations

import pytest

from collections_app.models import Case, ContactAttempt, Message
from collections_app.services.messages import message_create
from scheduling.models import ChannelRule
from tests.concurrency import at_once
from tests.messaging.conftest import MORNING, days, texting_debt

SENDERS = 16
WEEKLY_CAP = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_concurrent_senders_never_pass_the_cap_per_seven_days() -> None:
    # Given a debt with one of its three texts of the week sent, and no daily cap in the way
    debt = texting_debt()
    ChannelRule.objects.filter(channel="sms").update(daily_debt_cap=None)
    assert message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING).allowed
    at = MORNING + days(1)

    def ready(_index: int) -> Case:
        return Case.objects.select_related("account__borrower").get(pk=debt.case.pk)

    def sender(case: Case) -> str:
        return message_create(case=case, template_code="pre_due_sms", phone=debt.phone, at=at).message.status

    # When sixteen senders ask at once
    outcomes = at_once(SENDERS, sender, ready=ready)

    # Then exactly the two texts left were queued, the rest refused with the weekly cap, none failed
    assert sorted(outcomes) == ["queued"] * 2 + ["refused"] * 14
    assert ContactAttempt.objects.filter(account=debt.account, channel="sms").count() == WEEKLY_CAP
    refused = Message.objects.filter(status="refused")
    assert {m.decision["reasons"][0]["code"] for m in refused} == {"weekly_cap"}
