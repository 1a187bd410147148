"""A running month on the portfolio report: the page opens on the last complete month, shows the running
one as incomplete when asked for, and its provisional rates stay out of the flow and cure charts
(defect: on the first day of a month the page opened on a one-day matrix, and the charts fell to 0)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.services.cob import cob_run
from collections_app import roles
from collections_app.reports.jobs import reports_aggregate_range
from tests.factories import UserFactory
from tests.reports.book import FIRST_DAY, LAST_DAY, Book, reports_book

pytestmark = pytest.mark.django_db
MAY_FIRST = LAST_DAY + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def book_into_may(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Book]:
    """The lived book, closed and aggregated one day into May."""
    with django_db_blocker.unblock(), transaction.atomic():
        book = reports_book(calls=False)
        cob_run(business_date=MAY_FIRST)
        reports_aggregate_range(first=FIRST_DAY, last=MAY_FIRST)
        yield book
        transaction.set_rollback(True)


@pytest.fixture
def supervisor(client, book_into_may, db):
    user = UserFactory(username="sue")
    user.groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    client.force_login(user)
    return client


def chart(html: str, chart_id: str) -> dict:
    data = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(data)


def selected_month(html: str) -> str:
    select = re.search(r'<select id="matrix-month".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([\d-]+)" selected>', select).group(1)


def test_the_roll_matrix_opens_on_the_last_complete_month(supervisor):
    html = supervisor.get(reverse("report-portfolio")).content.decode()

    assert selected_month(html) == "2026-04"
    assert "states at 2026-03-31 (rows) against 2026-04-30 (columns)" in html
    assert "This month is not over" not in html


def test_the_running_month_is_offered_as_incomplete_and_says_so_when_chosen(supervisor):
    html = supervisor.get(reverse("report-portfolio"), {"month": "2026-05"}).content.decode()

    assert '<option value="2026-05" selected>2026-05 (incomplete: to 2026-05-01)</option>' in html
    assert "states at 2026-04-30 (rows) against 2026-05-01 (columns)" in html
    assert "This month is not over" in html


def test_flow_and_cure_tables_mark_the_running_month_and_the_charts_leave_it_out(supervisor):
    html = supervisor.get(reverse("report-portfolio")).content.decode()

    for table in ("flow-rates", "cure-rates"):
        body = re.search(rf'<table class="figures" id="{table}">.*?</table>', html, re.S).group(0)
        assert '2026-05 <span class="cell-note">incomplete: to 2026-05-01</span>' in body
        assert '2026-04 <span class="cell-note">' not in body
    for chart_id in ("flow-chart", "cure-chart"):
        data = chart(html, chart_id)
        assert data["labels"] == ["2026-02", "2026-03", "2026-04"]
        assert all(len(series["data"]) == 3 for series in data["datasets"])


def test_the_report_api_answers_the_last_complete_month_and_flags_a_running_one(supervisor):
    default = supervisor.get("/api/v1/reports/roll-matrix/").json()
    running = supervisor.get("/api/v1/reports/roll-matrix/", {"month": "2026-05"}).json()
    flows = supervisor.get("/api/v1/reports/flow-rates/").json()

    assert (default["month"], default["complete"], default["as_of"]) == ("2026-04", True, "2026-04-30")
    assert (running["month"], running["complete"], running["as_of"]) == ("2026-05", False, "2026-05-01")
    assert [(row["month"], row["as_of"]) for row in flows["rows"]][-2:] == [
        ("2026-04-01", "2026-04-30"), ("2026-05-01", "2026-05-01")
    ]
