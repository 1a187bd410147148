"""The read-only report API: analysts and above, the same aggregates as the pages, as JSON."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collections_app import roles
from collections_app.reports.api import FIGURES
from tests.factories import UserFactory
from tests.reports import definitions
from tests.reports.conftest import MONTH_ENDS

pytestmark = pytest.mark.django_db

AGGREGATES = re.compile(r"^(collections_app_report\w+|accounts_bucket|collections_app_team|auth_\w+|django_session)$")


def login(client, role: str):
    user = UserFactory(username=f"{role}-api")
    user.groups.add(roles.roles_ensure()[role])
    client.force_login(user)


@pytest.mark.parametrize("role", [roles.AGENT, roles.TEAM_LEAD, roles.DIALER_INTEGRATION])
def test_roles_below_analyst_are_refused_with_the_error_body(client, report_book, role):
    login(client, role)

    response = client.get(reverse("api-report-roll-matrix"))

    assert response.status_code == 403
    assert set(response.json()) >= {"message", "code"}


def test_an_anonymous_caller_is_refused(client, report_book):
    assert client.get(reverse("api-report-agents")).status_code in (401, 403)


@pytest.mark.parametrize("figure", FIGURES)
def test_every_figure_answers_from_the_aggregates_in_a_fixed_number_of_queries(client, report_book, figure, django_assert_max_num_queries):
    login(client, roles.ANALYST)
    client.get(reverse(f"api-report-{figure}"))

    # (11: the latest date is read even when the range is given, to know the book's currencies)
    with django_assert_max_num_queries(11), CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"api-report-{figure}"), {"first": "2026-01-01", "last": "2026-04-30"})

    assert response.status_code == 200
    body = response.json()
    assert body["figure"] == figure and body["filters"]["first"] == "2026-01-01"
    assert ("rows" in body) or ("tables" in body)
    read = {t for q in captured.captured_queries for t in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', q["sql"])}
    assert {t for t in read if not AGGREGATES.match(t)} == set()


def test_the_roll_matrix_gives_each_flow_rate_with_its_numerator_and_denominator(client, report_book):
    login(client, roles.SUPERVISOR)

    body = client.get(reverse("api-report-roll-matrix"), {"month": "2026-02", "first": "2026-01-01"}).json()

    prev, cur = MONTH_ENDS[dt.date(2026, 2, 1)]
    plain = definitions.transition_matrix(prev, cur)
    m1_then = sum((v[1] for k, v in plain.items() if k[1] == "M1"), Decimal(0))
    m1_to_m2 = sum((v[2] for k, v in plain.items() if k[1:] == ("M1", "M2")), Decimal(0))
    row = next(r for r in body["tables"]["roll-matrix-balance"]["rows"] if r["from"] == "M1")
    assert Decimal(row["M2"]["numerator"]) == m1_to_m2
    assert Decimal(row["M2"]["denominator"]) == m1_then
    assert Decimal(row["M2"]["value"]) == (m1_to_m2 / m1_then).quantize(Decimal("0.000001"))
    assert body["as_of"] == "2026-02-28" and body["previous_as_of"] == "2026-01-31"
    assert "FR(Mk" in body["tables"]["roll-matrix-balance"]["note"]


def test_a_month_without_a_matrix_is_a_clear_error(client, report_book):
    login(client, roles.ANALYST)

    response = client.get(reverse("api-report-roll-matrix"), {"month": "2025-06"})

    assert response.status_code == 400
    assert "month" in response.json()["errors"]


def test_the_agents_figure_ranks_by_the_kpi_asked_and_refuses_an_unknown_one(client, report_book):
    login(client, roles.ANALYST)

    ranked = client.get(reverse("api-report-agents"), {"sort": "rpc_rate", "first": "2026-01-01"}).json()
    refused = client.get(reverse("api-report-agents"), {"sort": "loudness"})

    rates = [row["rpc_rate"]["value"] for row in ranked["rows"] if row["rpc_rate"]["value"] is not None]
    assert rates == sorted(rates, reverse=True) and len(rates) >= 3
    assert refused.status_code == 400
