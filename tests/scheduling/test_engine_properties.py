"""Property: for random sequences of attempts and instants, the engine decides as the policy says.

The policy is restated here independently, in a few plain lines per preset, over a Python list of
what happened. At every step the engine must agree with it; when the engine refuses, the policy
must allow at ``next_allowed_at``, and at no instant before it: the policy's answer only changes
at a window edge or a local midnight, so checking every such edge in between is exhaustive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collections_app.models import DispositionCode
from collections_app.services.attempts import (
    AttemptOutcome,
    attempt_complete,
    attempt_release,
    attempt_reserve,
)
from scheduling.engine import evaluate
from tests.scheduling.conftest import Debt, make_debt

NY, LA, CHICAGO, DENVER, SHANGHAI = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Denver",
    "Asia/Shanghai",
)
# Weighted toward plain attempts, so that the caps are reached as often as the cool-down.
ACTIONS = ["unanswered"] * 5 + ["pending", "busy", "answered"] * 2 + ["conversation", "released", "ask"]
# Starting points around the daylight saving changes and an ordinary month.
STARTS = [
    dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 27, 12, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC),
]


@dataclass
class Done:
    placed_at: dt.datetime
    action: str

    @property
    def answered(self) -> bool:
        return self.action in ("answered", "conversation")


def _minute_of_day(zone: str, at: dt.datetime) -> int:
    local = at.astimezone(ZoneInfo(zone))
    return local.hour * 60 + local.minute


def _day(zone: str, at: dt.datetime) -> dt.date:
    return at.astimezone(ZoneInfo(zone)).date()


def us_reg_f_allows(done: list[Done], at: dt.datetime, zones: list[str]) -> bool:
    """08:00-21:00 in every zone; at most 7 counted calls in the 7 days ending today; none in the
    7 days starting on a conversation day. Busy calls did not connect and do not count; released
    reservations were never dialed."""
    if any(not 8 * 60 <= _minute_of_day(zone, at) < 21 * 60 for zone in zones):
        return False
    today = _day(NY, at)
    counted = [d for d in done if d.action not in ("busy", "released")]
    if sum(1 for d in counted if 0 <= (today - _day(NY, d.placed_at)).days <= 6) >= 7:
        return False
    return not any(0 <= (today - _day(NY, d.placed_at)).days <= 6 for d in done if d.action == "conversation")


def china_strict_allows(done: list[Done], at: dt.datetime, zones: list[str]) -> bool:
    """08:00-20:00 Shanghai; under 3 connected calls and 6 unanswered attempts today. A pending
    reservation may still connect or not: it counts as both."""
    if not 8 * 60 <= _minute_of_day(SHANGHAI, at) < 20 * 60:
        return False
    today = [d for d in done if d.action != "released" and _day(SHANGHAI, d.placed_at) == _day(SHANGHAI, at)]
    connected = sum(1 for d in today if d.answered or d.action == "pending")
    unanswered = sum(1 for d in today if not d.answered)
    return connected < 3 and unanswered < 6


PRESETS = {
    "us": (
        us_reg_f_allows,
        [NY],
        [[NY], [LA], [CHICAGO], [NY, LA], [DENVER, NY]],
        ("00:00", "08:00", "21:00"),
    ),
    "china": (china_strict_allows, [SHANGHAI], [[SHANGHAI]], ("00:00", "08:00", "20:00")),
}


def _edges(
    zones: list[str], start: dt.datetime, end: dt.datetime, walls: tuple[str, ...]
) -> list[dt.datetime]:
    """Every instant in (start, end) where a zone's wall clock shows one of ``walls``."""
    edges = []
    for zone in zones:
        tz = ZoneInfo(zone)
        day = start.astimezone(tz).date() - dt.timedelta(days=1)
        while day <= end.astimezone(tz).date():
            for wall in walls:
                hour, minute = map(int, wall.split(":"))
                instant = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(
                    dt.UTC
                )
                if start < instant < end:
                    edges.append(instant)
            day += dt.timedelta(days=1)
    return sorted(edges)


def _perform(debt: Debt, at: dt.datetime, action: str) -> None:
    decision, attempt = attempt_reserve(phone=debt.phone, at=at, account=debt.account)
    assert decision.allowed and attempt is not None
    if action == "released":
        attempt_release(attempt, outcome="not_dialed")
    elif action != "pending":
        answered = action in ("answered", "conversation")
        attempt_complete(
            attempt=attempt,
            outcome=AttemptOutcome(
                answered_at=at if answered else None,
                conversation=action == "conversation",
                disposition=DispositionCode.objects.get(code="busy") if action == "busy" else None,
            ),
        )


steps = st.lists(
    st.tuples(
        st.one_of(
            st.integers(min_value=1, max_value=90),  # minutes
            st.integers(min_value=1, max_value=90),
            st.integers(min_value=60, max_value=24 * 60 * 3),  # up to three days
        ),
        st.sampled_from(ACTIONS),
    ),
    min_size=15,
    max_size=35,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    preset=st.sampled_from(sorted(PRESETS)),
    zone_choice=st.integers(min_value=0, max_value=4),
    start=st.sampled_from(STARTS),
    first_offset=st.integers(min_value=0, max_value=24 * 60 * 6),
    script=steps,
)
# The caps reached for sure, whatever the random draw: daily calls past seven in seven days, and
# half-hourly unanswered calls in Shanghai past six a day; then the same across the fall-back night.
@example(preset="us", zone_choice=3, start=STARTS[2], first_offset=120, script=[(24 * 60, "unanswered")] * 10)
@example(preset="us", zone_choice=0, start=STARTS[2], first_offset=120, script=[(45, "pending")] * 12)
@example(
    preset="china", zone_choice=0, start=STARTS[2], first_offset=13 * 60, script=[(30, "unanswered")] * 12
)
@example(preset="us", zone_choice=4, start=STARTS[1], first_offset=0, script=[(13 * 60, "unanswered")] * 16)
def test_the_engine_decides_as_the_policy_says_and_next_allowed_at_is_the_earliest(
    presets: None,
    preset: str,
    zone_choice: int,
    start: dt.datetime,
    first_offset: int,
    script: list[tuple[int, str]],
) -> None:
    allows, address_zones, phone_zone_sets, walls = PRESETS[preset]
    phone_zones = phone_zone_sets[zone_choice % len(phone_zone_sets)]
    zones = list(dict.fromkeys(address_zones + phone_zones))
    with transaction.atomic():
        if preset == "us":
            debt = make_debt(timezone=NY, phone_zones=",".join(phone_zones))
        else:
            debt = make_debt(country="CN", region="", timezone=SHANGHAI, phone_zones=SHANGHAI)
        done: list[Done] = []
        at = start + dt.timedelta(minutes=first_offset)
        for minutes, action in script:
            at += dt.timedelta(minutes=minutes)
            decision = evaluate(phone=debt.phone, at=at, account=debt.account)

            assert decision.allowed == allows(done, at, zones), (at, decision.codes, done)
            if decision.allowed:
                if action != "ask":
                    _perform(debt, at, action)
                    done.append(Done(at, action))
                continue
            following = decision.next_allowed_at
            assert following is not None and following > at
            assert allows(done, following, zones), (at, following, decision.codes)
            assert evaluate(phone=debt.phone, at=following).allowed
            for edge in _edges(zones, at, following, walls):
                assert not allows(done, edge, zones), (at, edge, following, decision.codes)
            assert not allows(done, following - dt.timedelta(seconds=1), zones)
        transaction.set_rollback(True)
