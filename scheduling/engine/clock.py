"""Local time at real instants: windows, day starts and daylight saving time, exactly.

Everything here takes and returns aware UTC datetimes. A zone's wall clock is read with
``zoneinfo`` at the instant itself, so the spring-forward gap and the fall-back repeated hour are
handled by the zone's own rules: during a repeated hour the wall clock really does show the same
time twice, and a window is judged by what the wall clock shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.windows import Windows

UTC = dt.UTC
_PROBE = dt.timedelta(hours=6)
_SECOND = dt.timedelta(seconds=1)
# How far ahead a window is looked for: a weekly pattern repeats after 7 days.
WINDOW_HORIZON = dt.timedelta(days=8)

Interval = tuple[dt.datetime, dt.datetime]


@lru_cache(maxsize=1024)
def zone_or_none(name: str) -> ZoneInfo | None:
    """The zone of an IANA name, or None for an empty, unknown or placeholder name."""
    if not name or name.startswith("Etc/Unknown"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date(zone: ZoneInfo, at: dt.datetime) -> dt.date:
    return at.astimezone(zone).date()


def _offset(zone: ZoneInfo, at: dt.datetime) -> dt.timedelta:
    offset = at.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition(zone: ZoneInfo, before: dt.datetime, after: dt.datetime) -> dt.datetime:
    """The first instant in (before, after] with ``after``'s offset (transitions fall on seconds)."""
    old = _offset(zone, before)
    low, high = 0, int((after - before) / _SECOND)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, before + middle * _SECOND) == old:
            low = middle
        else:
            high = middle
    return before + high * _SECOND


def _pieces(
    zone: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime, dt.timedelta]]:
    """Split [start, end) into spans of constant UTC offset: (from, to, offset)."""
    piece_start, offset = start, _offset(zone, start)
    probe = start
    while probe < end:
        next_probe = min(probe + _PROBE, end)
        next_offset = _offset(zone, next_probe)
        if next_offset != offset:
            change = _transition(zone, probe, next_probe)
            yield piece_start, change, offset
            piece_start, offset = change, next_offset
        probe = next_probe
    yield piece_start, end, offset


def _naive(at: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    return (at + offset).replace(tzinfo=None)


def open_intervals(zone: ZoneInfo, windows: Windows, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The instants in [start, end) whose wall clock in ``zone`` is inside a window, merged."""
    found: list[Interval] = []
    for piece_start, piece_end, offset in _pieces(zone, start, end):
        wall_start, wall_end = _naive(piece_start, offset), _naive(piece_end, offset)
        day = wall_start.date()
        while day <= wall_end.date():
            midnight = dt.datetime.combine(day, dt.time())
            for first, last in windows[day.weekday()]:
                lo = (midnight + dt.timedelta(minutes=first) - offset).replace(tzinfo=UTC)
                hi = (midnight + dt.timedelta(minutes=last) - offset).replace(tzinfo=UTC)
                lo, hi = max(lo, piece_start), min(hi, piece_end)
                if lo < hi:
                    found.append((lo, hi))
            day += dt.timedelta(days=1)
    found.sort()
    merged: list[Interval] = []
    for lo, hi in found:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


@lru_cache(maxsize=8192)
def window_state(
    zone: ZoneInfo, windows: Windows, at: dt.datetime
) -> tuple[bool, dt.datetime | None, dt.datetime | None]:
    """(inside at ``at``, the next opening at or after ``at``, when the current opening closes).

    The next opening is None when no window opens within ``WINDOW_HORIZON``; the closing is None
    when ``at`` is outside. Memoized: a call list decides hundreds of numbers at one instant, and
    most share a zone and a policy's windows (the answer depends on nothing else).
    """
    # Start a day early: an opening that began yesterday (a window up to 24:00 continuing into
    # today's 00:00 window) is one opening.
    for lo, hi in open_intervals(zone, windows, at - dt.timedelta(days=1), at + WINDOW_HORIZON):
        if hi <= at:
            continue
        if lo <= at:
            return True, at, hi
        return False, lo, None
    return False, None, None


def wall_earliest(zone: ZoneInfo, wall: dt.datetime) -> dt.datetime:
    """The earliest instant whose wall clock in ``zone`` reads ``wall`` (naive) or later.

    A wall time in the spring-forward gap gives the transition instant; one in the repeated
    fall-back hour gives its first occurrence.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap: fold=1 reads the earlier offset, landing before the jump.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(before, first), max(before, first)
    return _transition(zone, low, high)


def day_start(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    """The first instant of a local date in ``zone``."""
    return wall_earliest(zone, dt.datetime.combine(day, dt.time()))
