"""Reading the fields of loan-tape input (decoded JSON) with every problem collected by path.

The rules every import shares (book, payments, JSON, CSV):

- An absent field, ``null`` and ``""`` all mean "not given": required fields report ``required``,
  optional ones keep their stored value on update (or the model default on create).
- Money is a decimal string (``"1200.00"``): at most 2 decimal places, not negative, below
  10^12. JSON numbers are refused, integers included, so no amount ever passes through a
  binary float; the message says to send a string.
- Dates are ISO ``YYYY-MM-DD``; instants are ISO 8601 with an offset (``2026-02-01T10:00:00Z``),
  at least a day away from the ends of the calendar (so that every time zone can tell its date).
- Values no book holds are refused where they are read (``book_tape``, ``payments``): a birth or
  opening date before 1900 or in the future, an installment due before its loan was opened, a
  payment received in the future, a loan without its currency.
- Numbers are written with the digits 0-9; text holds no NUL character and no unpaired surrogate
  (a database column cannot store them).
- Unknown fields are errors, so a misspelt column never silently drops data.

Errors are keyed by path and field (``loans[3].installments[1].due_date``) with a short reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from accounts.services.payments import error_path
from config.instants import INSTANT_MAX, INSTANT_MIN, instant_problem

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DECIMAL = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?\Z")
MONEY_LIMIT = Decimal("1000000000000")  # DecimalField(max_digits=14, decimal_places=2)


def storable(text: str) -> bool:
    """True for text a database column can hold: no NUL character, no unpaired surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` made safe to show in an error (its unpaired surrogates and NULs escaped)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


class Errors:
    """Problems of a batch: ``{path.field: [reason, ...]}`` in the order found."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, key: str, reason: str) -> None:
        self.by_path.setdefault(key or "__all__", []).append(reason)

    def merge(self, other: Mapping[str, list[str]]) -> None:
        for key, reasons in other.items():
            for reason in reasons:
                self.add(key, reason)

    def __bool__(self) -> bool:
        return bool(self.by_path)


class Fields:
    """The fields of one input object at ``path``."""

    def __init__(self, raw: Any, path: str, errors: Errors, allowed: Collection[str]) -> None:
        self.path = path
        self.errors = errors
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if not isinstance(raw, Mapping):
            errors.add(path, _("must be an object"))
        for key in self.raw:
            if key not in allowed:
                errors.add(error_path(path, printable(str(key))), _("unknown field"))

    def error(self, name: str, reason: str) -> None:
        self.errors.add(error_path(self.path, name), reason)

    def given(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def _value(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self.error(name, _("required"))
            return None
        return value

    def text(self, name: str, *, max_length: int, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, _("must be text"))
            return None
        if not storable(value):
            self.error(name, _("holds a character that cannot be stored (a NUL or an unpaired surrogate)"))
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(name, _("required"))
            return None
        if len(value) > max_length:
            self.error(name, _("longer than %(n)d characters") % {"n": max_length})
            return None
        return value

    def decimal(
        self, name: str, *, places: int = 2, limit: Decimal = MONEY_LIMIT, required: bool = False
    ) -> Decimal | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool | int | float):
            self.error(name, _('must be a decimal string such as "200.00", not a JSON number'))
            return None
        if not isinstance(value, str) or not _DECIMAL.match(value.strip()):
            self.error(name, _("not a decimal amount"))
            return None
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            self.error(name, _("not a decimal amount"))
            return None
        if amount < 0:
            self.error(name, _("must not be negative"))
            return None
        if -amount.as_tuple().exponent > places:  # type: ignore[operator]
            self.error(name, _("more than %(n)d decimal places") % {"n": places})
            return None
        if amount >= limit:
            self.error(name, _("too large"))
            return None
        return amount

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self._value(name, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.error(name, _("not a date (YYYY-MM-DD)"))
            return None

    def instant(self, name: str, *, required: bool = False) -> datetime | None:
        value = self._value(name, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or "T" not in value:
                raise ValueError
            instant = datetime.fromisoformat(value)
        except ValueError:
            self.error(name, _("not a date and time (ISO 8601, e.g. 2026-02-01T10:00:00Z)"))
            return None
        if instant.tzinfo is None or instant.utcoffset() is None:
            self.error(name, _("must carry a time zone offset (e.g. 2026-02-01T10:00:00Z)"))
            return None
        if instant_problem(instant):  # the range every way in shares (config.instants)
            self.error(name, _("out of range (%(min)s to %(max)s)") % {"min": INSTANT_MIN.date(), "max": INSTANT_MAX.date()})
            return None
        return instant.astimezone(UTC)

    def boolean(self, name: str) -> bool | None:
        value = self._value(name, False)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(name, _("must be true or false"))
            return None
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, _("must be a whole number"))
            return None
        if not minimum <= value <= maximum:
            self.error(name, _("must be between %(lo)d and %(hi)d") % {"lo": minimum, "hi": maximum})
            return None
        return value

    def choice(self, name: str, choices: Collection[str], *, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in choices:
            self.error(name, _("must be one of: %(choices)s") % {"choices": ", ".join(choices)})
            return None
        return value

    def items(self, name: str) -> list[Any]:
        value = self._value(name, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, _("must be a list"))
            return []
        return value
