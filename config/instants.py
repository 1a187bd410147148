"""The instants the workbench accepts: one range, one parse, shared by every way an instant comes in.

An instant from outside (an API query or body, a book tape, a form) must carry its UTC offset and
fall within ``INSTANT_MIN`` .. ``INSTANT_MAX``. The range leaves room for the engine's arithmetic
(windows looked for days ahead, caps looked back over weeks, holds of months), so nothing past it
ever reaches ``datetime``'s limits: ``9999-12-31T23:59:59Z`` or ``0001-01-01T00:00:00Z`` is bad
input (400, a row error, a form error), never an ``OverflowError``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.errors import DomainError

UTC = dt.UTC
INSTANT_MIN = dt.datetime(1900, 1, 1, tzinfo=UTC)
INSTANT_MAX = dt.datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def instant_problem(value: dt.datetime) -> str | None:
    """Why ``value`` is not an instant the workbench takes (None: it is)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return _("Give the UTC offset (for example 2026-04-07T14:00:00Z).")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 once in UTC
        in_utc = None
    if in_utc is None or not INSTANT_MIN <= in_utc <= INSTANT_MAX:
        return _("Out of range: give an instant from %(min)s to %(max)s.") % {
            "min": INSTANT_MIN.date().isoformat(), "max": INSTANT_MAX.date().isoformat(),
        }
    return None


def instant_parse(text: str) -> dt.datetime:
    """An ISO 8601 instant with its offset, in UTC; ``ValueError`` (with the reason) otherwise."""
    try:
        parsed = parse_datetime(text) if isinstance(text, str) and text == text.strip() else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(_("Not a date and time (ISO 8601, for example 2026-04-07T14:00:00Z)."))
    problem = instant_problem(parsed)
    if problem:
        raise ValueError(problem)
    return parsed.astimezone(UTC)


def instant_require(value: dt.datetime, *, field: str = "at") -> dt.datetime:
    """``value`` when the workbench takes it, else a ``DomainError`` naming ``field`` (400)."""
    problem = instant_problem(value)
    if problem:
        raise DomainError(_("The instant is not one the workbench takes."), errors={field: [problem]})
    return value


def instant_validate(value: dt.datetime | None) -> None:
    """A form or model field's validator: the same rule as the API's (Django ``ValidationError``)."""
    problem = instant_problem(value) if value is not None else None
    if problem:
        raise ValidationError(problem, code="invalid")
