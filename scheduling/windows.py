"""Contact windows as data: the JSON an administrator edits, validated strictly, and its parsed form.

A channel rule stores its windows per weekday in the borrower's local time::

    {"mon": [["08:00", "21:00"]], "tue": [["08:00", "12:00"], ["13:00", "21:00"]], ...}

A weekday that is absent (or has an empty list) allows no contact that day. A window is
half-open: ``["08:00", "21:00"]`` allows 08:00:00 up to, not including, 21:00:00. ``"24:00"`` may
end a window at midnight. Windows of one day must be ordered and must not overlap.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")

# Parsed: for each weekday (Monday = 0) the windows as (start, end) minutes after local midnight.
Windows = tuple[tuple[tuple[int, int], ...], ...]


def _minutes(value: Any, *, day: str, allow_24: bool) -> int:
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            _("%(day)s: %(value)r is not a time written HH:MM."),
            params={"day": day, "value": value},
            code="time",
        )
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60 or (minutes == 24 * 60 and not allow_24):
        raise ValidationError(
            _("%(day)s: %(value)s is not a valid time here."), params={"day": day, "value": value}
        )
    return minutes


def windows_parse(value: Any) -> Windows:
    """Validate the JSON form and return the parsed windows; raises ``ValidationError``."""
    if not isinstance(value, dict):
        raise ValidationError(_("Windows must be an object keyed by weekday (mon ... sun)."), code="windows")
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise ValidationError(
            _("Unknown weekday keys: %(keys)s (use mon, tue, wed, thu, fri, sat, sun)."),
            params={"keys": ", ".join(map(str, unknown))},
            code="windows",
        )
    parsed: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        spans = value.get(day, [])
        if not isinstance(spans, list):
            raise ValidationError(
                _("%(day)s: a list of [start, end] pairs is expected."), params={"day": day}
            )
        day_windows: list[tuple[int, int]] = []
        for span in spans:
            if not (isinstance(span, list | tuple) and len(span) == 2):
                raise ValidationError(_("%(day)s: each window is a [start, end] pair."), params={"day": day})
            start = _minutes(span[0], day=day, allow_24=False)
            end = _minutes(span[1], day=day, allow_24=True)
            if start >= end:
                raise ValidationError(
                    _("%(day)s: the window %(start)s-%(end)s ends before it starts."),
                    params={"day": day, "start": span[0], "end": span[1]},
                )
            if day_windows and start < day_windows[-1][1]:
                raise ValidationError(
                    _("%(day)s: windows must be in order and must not overlap."), params={"day": day}
                )
            day_windows.append((start, end))
        parsed.append(tuple(day_windows))
    return tuple(parsed)


def validate_windows(value: Any) -> None:
    windows_parse(value)


@lru_cache(maxsize=256)
def _parsed(text: str) -> Windows:
    return windows_parse(json.loads(text))


def windows_parse_cached(value: Any) -> Windows:
    """``windows_parse`` of stored (already valid) windows, memoized by their JSON text."""
    return _parsed(json.dumps(value, sort_keys=True))


def every_day(start: str, end: str) -> dict[str, list[list[str]]]:
    """The same window on every day of the week (the presets' shape)."""
    return {day: [[start, end]] for day in WEEKDAYS}
