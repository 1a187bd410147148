"""The engine keeps the policies per process; a change reaches every process's next decision."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from scheduling.engine import evaluate, policies
from scheduling.engine.policies import GENERATION_KEY, policies_changed
from scheduling.models import ChannelRule, ContactPolicy
from scheduling.presets import US_REG_F, presets_ensure
from scheduling.services.policies import policy_revise
from tests.scheduling.conftest import local, make_debt

NY = "America/New_York"
pytestmark = pytest.mark.django_db
TEN_AM = local(NY, 2026, 4, 7, 10)
NINE_TO_FIVE_PAST_NINE = {day: [["09:00", "09:05"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def committed_presets(django_capture_on_commit_callbacks: Any) -> None:
    # The presets as a committed migration leaves them, and no change of an earlier test pending in
    # this thread (a rolled-back change keeps a thread from holding policies for a while).
    with django_capture_on_commit_callbacks(execute=True):
        presets_ensure()
        policies_changed()


def test_a_revised_policy_judges_the_very_next_decision(committed_presets: None) -> None:
    debt = make_debt()
    assert evaluate(phone=debt.phone, at=TEN_AM).allowed

    policy_revise(
        policy=ContactPolicy.objects.get(name=US_REG_F),
        effective_from=local(NY, 2026, 4, 1),
        rule_changes={"call": {"windows": NINE_TO_FIVE_PAST_NINE}},
    )

    decision = evaluate(phone=debt.phone, at=TEN_AM)
    assert not decision.allowed
    assert decision.codes == ["outside_window"]


def test_another_process_s_change_applies_once_its_commit_bumps_the_shared_generation(
    committed_presets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policies, "GENERATION_CHECK_SECONDS", 0.0)  # the process looks at every decision
    # Given a decision, so this process holds the policies
    debt = make_debt()
    assert evaluate(phone=debt.phone, at=TEN_AM).allowed

    # When another process narrows the window (its own signals fire there, not here)
    ChannelRule.objects.filter(policy__name=US_REG_F, channel="call").update(windows=NINE_TO_FIVE_PAST_NINE)

    # Then this process goes on with what it holds until that process's commit bumps the generation
    assert evaluate(phone=debt.phone, at=TEN_AM).allowed
    cache.set(GENERATION_KEY, "changed elsewhere")
    assert evaluate(phone=debt.phone, at=TEN_AM).codes == ["outside_window"]


def test_forgetting_after_a_rolled_back_change_lets_the_thread_hold_policies_again(
    django_assert_num_queries: Any,
) -> None:
    # A change in a transaction that never commits (a test's, a failed request's) keeps the thread
    # from holding a snapshot until its commit; forgetting (what each test starts with) ends that.
    presets_ensure()
    with transaction.atomic():
        policies_changed()
        transaction.set_rollback(True)
    policies.policies_forget()

    policies.policies_snapshot()
    with django_assert_num_queries(0):
        policies.policies_snapshot()
