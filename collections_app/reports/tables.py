"""The shape every report figure is handed to a page, a CSV export or the API in: tables of cells.

A table has columns (with the definition of the figure and its denominator) and rows of cells;
a cell holds its raw value (int, Decimal, a rate as a fraction, a date, text) and, where the
figure has cases behind it, the link to them. Rates are ``Rate`` objects: numerator and
denominator kept, the fraction computed once, None when the denominator is zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise

TEXT, COUNT, MONEY, RATE, SECONDS, DATE, HOURS = "text", "count", "money", "rate", "seconds", "date", "hours"
MONTH = "month"
Label = str | Promise


@dataclass(frozen=True)
class Rate:
    numerator: Decimal | int
    denominator: Decimal | int

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def percent(self) -> Decimal | None:
        value = self.value
        return None if value is None else (value * 100).quantize(Decimal("0.01"))

    def __mul__(self, other: Rate) -> Rate:
        """Chain two rates (net flow): the product of the fractions, kept as a fraction of 1."""
        if self.value is None or other.value is None:
            return Rate(0, 0)
        return Rate(self.value * other.value, 1)


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: str = TEXT
    definition: Label = ""


@dataclass
class Cell:
    value: Any
    link: str = ""
    heat: Decimal | None = None  # 0..1, for heat tables
    note: Label = ""  # shown after the value on a page (e.g. "incomplete: to 2026-05-01")
    provisional: bool = False  # a figure still moving (a running month): charts leave it out

    @property
    def heat_percent(self) -> int:
        return int((self.heat or 0) * 100)


@dataclass
class Table:
    id: str
    title: Label
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    note: Label = ""
    heat: bool = False
    currency: str = ""  # the currency of every amount of the table, named in the money columns' headings

    def heading(self, column: Column) -> str:
        """A column's label as shown: money columns say their currency (``Overdue amount (USD)``)."""
        if column.kind == MONEY and self.currency:
            return f"{column.label} ({self.currency})"
        return str(column.label)

    @property
    def headings(self) -> list[tuple[Column, str]]:
        return [(column, self.heading(column)) for column in self.columns]

    def add(self, *values: Any) -> list[Cell]:
        row = [value if isinstance(value, Cell) else Cell(value) for value in values]
        self.rows.append(row)
        return row

    @property
    def note_in_definitions(self) -> bool:
        return bool(self.note) and any(str(column.definition) == str(self.note) for column in self.columns)

    @property
    def grid(self) -> list[list[tuple[Column, Cell]]]:
        """Rows as (column, cell) pairs, for templates."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    def as_records(self) -> list[dict[str, Any]]:
        """JSON-ready rows: each column's key to its value (rates as fractions with their parts)."""
        return [{column.key: plain(cell.value) for column, cell in zip(self.columns, row, strict=True)} for row in self.rows]


def plain(value: Any) -> Any:
    if isinstance(value, Rate):
        fraction = value.value
        return {
            "value": None if fraction is None else str(fraction.quantize(Decimal("0.000001"))),
            "numerator": str(value.numerator),
            "denominator": str(value.denominator),
        }
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Rate):
        percent = value.percent
        return "" if percent is None else f"{percent}"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if kind == MONTH else value.isoformat()
    if kind == MONEY:
        return f"{Decimal(value):.2f}"
    return str(value)


# A cell a spreadsheet would run as a formula starts with one of these (DESIGN.md 11; OWASP "CSV
# injection"); a plain number (-12.50) is left as it is, so that figures stay figures.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?\Z")


def csv_cell(text: str) -> str:
    """``text`` safe for a spreadsheet: a leading formula character is quoted with ``'``."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def table_csv(table: Table) -> str:
    """The table as CSV (rates in percent, money with two decimals, no thousands separators).

    Every CSV export goes through here: each cell, headings included, through ``csv_cell``.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    headings = [f"{column.label} (%)" if column.kind == RATE else table.heading(column) for column in table.columns]
    writer.writerow([csv_cell(heading) for heading in headings])
    for row in table.rows:
        writer.writerow(
            [csv_cell(csv_value(cell.value, column.kind)) for column, cell in zip(table.columns, row, strict=True)]
        )
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def _cases_url(script_prefix: str) -> str:
    return reverse("report-cases")


def drill(figure: str, **params: Any) -> str:
    """The URL of the cases behind a figure (a ranked table makes hundreds: the path is reversed once)."""
    query = {key: plain(value) for key, value in params.items() if value not in (None, "")}
    return f"{_cases_url(get_script_prefix())}?{urlencode({'figure': figure, **query})}"


def rows_sum(rows: Iterable[dict[str, Any]], key: str) -> Any:
    return sum((row[key] for row in rows), 0)
