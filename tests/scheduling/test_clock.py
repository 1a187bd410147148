"""Local time at real instants: the daylight saving gap and the repeated hour, exactly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from scheduling.engine.clock import day_start, wall_earliest, window_state
from scheduling.windows import every_day, windows_parse

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_wall_time_in_the_spring_forward_gap_is_reached_at_the_jump() -> None:
    # 02:00-03:00 does not exist in New York on 8 March 2026: 02:30 is first "passed" at 07:00 UTC
    assert wall_earliest(NY, dt.datetime(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 7)


def test_a_wall_time_in_the_repeated_hour_is_its_first_occurrence() -> None:
    assert wall_earliest(NY, dt.datetime(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 5, 30)


def test_a_day_that_starts_with_a_jump_starts_at_the_jump() -> None:
    # Santiago springs forward at midnight: 6 September 2026 begins at 01:00 local, 04:00 UTC
    assert day_start(ZoneInfo("America/Santiago"), dt.date(2026, 9, 6)) == utc(2026, 9, 6, 4)


def test_a_window_in_the_repeated_hour_opens_twice() -> None:
    # Given a window 01:00-01:30 on the fall-back night
    windows = windows_parse(every_day("01:00", "01:30"))

    # When it is 01:45 for the first time (EDT)
    inside, next_open, _ = window_state(NY, windows, utc(2026, 11, 1, 5, 45))

    # Then the window opens again at 01:00 EST, a quarter of an hour later
    assert not inside
    assert next_open == utc(2026, 11, 1, 6, 0)


def test_a_window_starting_in_the_gap_opens_at_the_jump_and_closes_on_time() -> None:
    windows = windows_parse(every_day("02:30", "03:30"))

    inside, next_open, _ = window_state(NY, windows, utc(2026, 3, 8, 6, 0))
    assert (inside, next_open) == (False, utc(2026, 3, 8, 7, 0))

    inside, _, closes = window_state(NY, windows, utc(2026, 3, 8, 7, 0))
    assert (inside, closes) == (True, utc(2026, 3, 8, 7, 30))


def test_windows_up_to_midnight_and_from_midnight_are_one_opening() -> None:
    windows = windows_parse({"mon": [["20:00", "24:00"]], "tue": [["00:00", "02:00"]]})

    inside, _, closes = window_state(NY, windows, utc(2026, 4, 7, 1, 0))  # Monday 21:00 EDT

    assert inside
    assert closes == utc(2026, 4, 7, 6, 0)  # Tuesday 02:00 EDT


@pytest.mark.parametrize(
    "value",
    [
        [],
        {"monday": [["08:00", "21:00"]]},
        {"mon": [["8:00", "21:00"]]},
        {"mon": [["21:00", "08:00"]]},
        {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
        {"mon": [["08:00"]]},
        {"mon": [["24:00", "24:00"]]},
        {"mon": "08:00-21:00"},
    ],
    ids=[
        "not an object",
        "unknown day",
        "bad time",
        "backwards",
        "overlap",
        "half a pair",
        "starts at 24",
        "text",
    ],
)
def test_malformed_windows_are_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        windows_parse(value)


def test_a_day_left_out_allows_no_contact_that_day() -> None:
    windows = windows_parse({"mon": [["08:00", "21:00"]]})

    inside, next_open, _ = window_state(NY, windows, utc(2026, 4, 7, 14))  # Tuesday 10:00

    assert not inside
    assert next_open == utc(2026, 4, 13, 12)  # Monday 08:00
