"""Contact windows in the borrower's local time, in every zone, on daylight saving days too."""

from __future__ import annotations

import pytest

from scheduling.engine import ReasonCode, evaluate
from tests.scheduling.conftest import Debt, local, make_debt

NY, LA, SHANGHAI = "America/New_York", "America/Los_Angeles", "Asia/Shanghai"
pytestmark = pytest.mark.django_db

DAYS = pytest.mark.parametrize(
    "day",
    [(2026, 4, 7), (2026, 3, 8), (2026, 11, 1)],
    ids=["ordinary day", "spring forward", "fall back"],
)


@DAYS
def test_a_call_at_0830_new_york_time_is_allowed(new_yorker: Debt, day: tuple[int, int, int]) -> None:
    decision = evaluate(phone=new_yorker.phone, at=local(NY, *day, 8, 30))

    assert decision.allowed
    assert decision.window_closes_at == local(NY, *day, 21, 0)


@DAYS
def test_a_call_at_0759_new_york_time_is_refused_until_0800(
    new_yorker: Debt, day: tuple[int, int, int]
) -> None:
    decision = evaluate(phone=new_yorker.phone, at=local(NY, *day, 7, 59))

    assert not decision.allowed
    assert decision.codes == [ReasonCode.OUTSIDE_WINDOW]
    assert decision.next_allowed_at == local(NY, *day, 8, 0)


@DAYS
def test_2059_is_the_last_minute_and_2100_is_refused_until_the_next_morning(
    new_yorker: Debt, day: tuple[int, int, int]
) -> None:
    assert evaluate(phone=new_yorker.phone, at=local(NY, *day, 20, 59)).allowed

    decision = evaluate(phone=new_yorker.phone, at=local(NY, *day, 21, 0))

    assert decision.codes == [ReasonCode.OUTSIDE_WINDOW]
    year, month, date = day
    assert decision.next_allowed_at == local(NY, year, month, date + 1, 8, 0)


def test_the_night_across_the_spring_forward_is_one_hour_shorter_in_utc(new_yorker: Debt) -> None:
    # 21:00 EST on 7 March to 08:00 EDT on 8 March is 10 hours, not 11
    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 3, 7, 22))

    assert decision.next_allowed_at == local(NY, 2026, 3, 8, 8)
    assert (decision.next_allowed_at - local(NY, 2026, 3, 7, 21)).total_seconds() == 10 * 3600


def test_a_new_york_address_with_a_los_angeles_mobile_is_refused_at_0830_new_york_time(presets: None) -> None:
    # Given a borrower living in New York whose mobile number is from Los Angeles
    debt = make_debt(timezone=NY, phone_zones=LA)

    # When an agent calls at 08:30 in New York (05:30 in Los Angeles)
    decision = evaluate(phone=debt.phone, at=local(NY, 2026, 4, 7, 8, 30))

    # Then it is refused until 08:00 in Los Angeles, and the window closes at 21:00 in New York
    assert decision.codes == [ReasonCode.OUTSIDE_WINDOW]
    assert LA in decision.reasons[0].message
    assert decision.next_allowed_at == local(LA, 2026, 4, 7, 8, 0)
    later = evaluate(phone=debt.phone, at=decision.next_allowed_at)
    assert later.allowed
    assert later.window_closes_at == local(NY, 2026, 4, 7, 21, 0)


def test_china_strict_refuses_2030_shanghai_and_allows_1930(shanghai_borrower: Debt) -> None:
    late = evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 7, 20, 30))
    evening = evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 7, 19, 30))

    assert late.codes == [ReasonCode.OUTSIDE_WINDOW]
    assert late.next_allowed_at == local(SHANGHAI, 2026, 4, 8, 8, 0)
    assert evening.allowed
    assert evening.window_closes_at == local(SHANGHAI, 2026, 4, 7, 20, 0)


def test_the_china_regulatory_floor_allows_until_2200(presets: None) -> None:
    from scheduling.models import PolicyAssignment

    PolicyAssignment.objects.create(country="CN", product="p2p", policy_name="China regulatory floor")
    debt = make_debt(country="CN", region="", timezone=SHANGHAI, phone_zones=SHANGHAI, product="p2p")

    assert evaluate(phone=debt.phone, at=local(SHANGHAI, 2026, 4, 7, 21, 30)).allowed
    assert evaluate(phone=debt.phone, at=local(SHANGHAI, 2026, 4, 7, 22, 0)).codes == [
        ReasonCode.OUTSIDE_WINDOW
    ]
