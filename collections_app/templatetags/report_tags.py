"""Template helpers of the report pages: a cell formatted by its column's kind, export and filter links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from collections_app.reports.tables import COUNT, HOURS, MONEY, MONTH, RATE, SECONDS, Column, Rate
from collections_app.templatetags.workbench import count, money

register = template.Library()

DASH = "\u2014"


def format_value(value: Any, kind: str) -> str:
    """How a figure reads on a page: counts and money with separators, rates in percent, months as YYYY-MM."""
    if value is None or value == "":
        return DASH if kind != "text" else ""
    if isinstance(value, Rate):
        percent = value.percent
        return DASH if percent is None else f"{percent.quantize(Decimal('0.1'))}%"
    if kind == COUNT:
        return count(value)
    if kind == MONEY:
        return money(value)
    if kind == SECONDS:
        seconds = int(value)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"
    if kind == HOURS:
        return f"{Decimal(value):,.2f}"
    if kind == MONTH and isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@register.simple_tag
def cell(cell: Any, column: Column) -> SafeString:
    text = format_value(cell.value, column.kind)
    content = format_html('<a href="{}">{}</a>', cell.link, text) if cell.link else format_html("{}", text)
    if cell.note:
        return format_html('{} <span class="cell-note">{}</span>', content, cell.note)
    return content


@register.simple_tag
def table_body(table: Any) -> SafeString:
    """Every row of a report table as HTML, built here rather than cell by cell in the template
    (a ranked table of hundreds of agents renders in a few milliseconds)."""
    rows = []
    for row in table.rows:
        cells = []
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            content = cell(value, column)
            if index == 0:
                cells.append(format_html('<th scope="row">{}</th>', content))
                continue
            style = f"--heat: {value.heat_percent}%" if table.heat and value.heat is not None else ""
            cells.append(
                format_html('<td class="{}"{}>{}</td>', "num" if is_number(column) else "",
                            format_html(' style="{}"', style) if style else "", content)
            )
        rows.append(format_html("<tr>{}</tr>", format_html_join("", "{}", ((c,) for c in cells))))
    return format_html_join("\n", "{}", ((r,) for r in rows))


@register.filter
def is_number(column: Column) -> bool:
    return column.kind in (COUNT, MONEY, RATE, SECONDS, HOURS)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (None or "" removes one)."""
    request = context["request"]
    query: QueryDict = request.GET.copy()
    query.pop("export", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    return f"?{query.urlencode()}"


@register.simple_tag
def definitions(table: Any) -> list[tuple[str, str]]:
    """(label, definition) of each column that has one, each definition once."""
    seen: set[str] = set()
    result = []
    for column in table.columns:
        text = str(column.definition)
        if text and text not in seen:
            seen.add(text)
            result.append((str(column.label), text))
    return result
