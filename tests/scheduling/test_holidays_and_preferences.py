"""Holidays by the borrower's calendar, and the hours the borrower asked for."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.engine import ReasonCode, evaluate
from scheduling.models import ContactPolicy
from scheduling.presets import US_REG_F
from scheduling.services.policies import policy_revise
from scheduling.services.preferences import preference_update
from tests.scheduling.conftest import Debt, call, local

NY = "America/New_York"
pytestmark = pytest.mark.django_db


def _us_holidays(action: str) -> None:
    policy_revise(
        policy=ContactPolicy.objects.get(name=US_REG_F, version=1),
        effective_from=local(NY, 2026, 1, 1),
        rule_changes={"call": {"holiday_action": action, "holiday_daily_cap": 1}},
    )


def test_a_holiday_with_action_block_is_refused_until_the_next_morning(new_yorker: Debt) -> None:
    # Given the US policy blocks contact on holidays
    _us_holidays("block")

    # When an agent calls on Thanksgiving morning
    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 11, 26, 10))

    # Then it is refused until 08:00 the day after
    assert decision.codes == [ReasonCode.HOLIDAY]
    assert "Thanksgiving" in decision.reasons[0].message
    assert decision.next_allowed_at == local(NY, 2026, 11, 27, 8)
    assert decision.policy is not None and decision.policy.version == 2


def test_a_holiday_is_an_ordinary_day_under_the_shipped_us_policy(new_yorker: Debt) -> None:
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 11, 26, 10)).allowed


def test_a_holiday_with_reduced_caps_allows_one_attempt(new_yorker: Debt) -> None:
    _us_holidays("reduce")
    call(new_yorker, local(NY, 2026, 11, 26, 10))

    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 11, 26, 11))

    assert decision.codes == [ReasonCode.HOLIDAY_CAP]
    assert decision.next_allowed_at == local(NY, 2026, 11, 27, 8)


def test_the_borrowers_state_holidays_count_too(new_yorker: Debt) -> None:
    # Lincoln's Birthday is a New York state holiday, not a federal one
    _us_holidays("block")

    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 2, 12, 10)).codes == [ReasonCode.HOLIDAY]


def test_only_after_1800_is_honoured(new_yorker: Debt) -> None:
    preference_update(borrower=new_yorker.borrower, changes={"only_after": dt.time(18, 0)})

    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))

    assert decision.codes == [ReasonCode.PREFERENCE_HOURS]
    assert decision.next_allowed_at == local(NY, 2026, 4, 7, 18)
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 18)).allowed


def test_only_before_1200_moves_a_refusal_to_the_next_morning_window(new_yorker: Debt) -> None:
    preference_update(borrower=new_yorker.borrower, changes={"only_before": dt.time(12, 0)})

    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 12))

    assert decision.codes == [ReasonCode.PREFERENCE_HOURS]
    assert decision.next_allowed_at == local(NY, 2026, 4, 8, 8)
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 9)).window_closes_at == local(
        NY, 2026, 4, 8, 12
    )
