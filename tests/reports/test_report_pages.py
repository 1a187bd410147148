"""The report dashboards: who may read them, that they read only aggregates, drill-downs and CSV exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collections_app import roles
from tests.factories import UserFactory
from tests.reports import definitions
from tests.reports.conftest import MONTH_ENDS

pytestmark = pytest.mark.django_db

PAGES = ["report-portfolio", "report-forecast", "report-agents", "report-promises"]
# Aggregates, plus the small configuration and session tables every page reads, and the menu's count of
# extension requests waiting for the user's approval (an indexed count of the submitted ones).
ALLOWED_TABLES = re.compile(
    r"^(collections_app_report\w+|accounts_bucket|collections_app_team|auth_user|auth_group|auth_user_groups|"
    r"django_session|collections_app_extensionrequest)$"
)
FEBRUARY = "2026-02"


def login(client, role: str, username: str | None = None):
    user = UserFactory(username=username or f"{role}-reader")
    user.groups.add(roles.roles_ensure()[role])
    client.force_login(user)
    return user


def tables_read(queries: list[dict]) -> set[str]:
    names = set()
    for query in queries:
        names |= set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"]))
    return names


@pytest.mark.parametrize("page", PAGES)
def test_an_agent_is_refused_every_report_page(client, book, page):
    login(client, roles.AGENT)

    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", [*PAGES, "report-cases"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, book, page):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.TEAM_LEAD, roles.ANALYST, roles.ADMINISTRATOR])
def test_supervisors_team_leads_analysts_and_administrators_read_every_page(client, book, role):
    login(client, role)

    for page in PAGES:
        assert client.get(reverse(page)).status_code == 200, page


@pytest.mark.parametrize(
    ("page", "queries"), [("report-portfolio", 12), ("report-forecast", 12), ("report-agents", 14), ("report-promises", 12)]  # agents: the message tables (by template, by template and bucket) too
)
def test_a_page_reads_only_aggregate_tables_in_a_fixed_number_of_queries(client, book, page, queries, django_assert_num_queries):
    login(client, roles.SUPERVISOR)
    client.get(reverse(page))  # warm the session

    with django_assert_num_queries(queries), CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(page), {"group": "team"})

    assert response.status_code == 200
    assert {name for name in tables_read(captured.captured_queries) if not ALLOWED_TABLES.match(name)} == set()


def test_the_portfolio_shows_the_roll_matrix_of_the_chosen_month_with_links_to_its_cases(client, book):
    login(client, roles.SUPERVISOR)

    page = client.get(reverse("report-portfolio"), {"month": FEBRUARY}).content.decode()

    # Three instalment loans and one cash loan rolled from M1 to M2 in February (from 4,800.00 of M1 balance).
    assert "2026-01-31" in page and "2026-02-28" in page
    link = re.search(r'href="([^"]*figure=flow[^"]*from_state=M1[^"]*to_state=M2[^"]*)"', page)
    assert link is not None
    assert 'id="roll-matrix-balance"' in page and 'id="bucket-chart"' in page


def test_the_m1_to_m2_figure_drills_down_to_the_accounts_that_rolled(client, book):
    login(client, roles.SUPERVISOR)
    page = client.get(reverse("report-portfolio"), {"month": FEBRUARY}).content.decode()
    link = re.search(r'href="([^"]*figure=flow[^"]*from_state=M1[^"]*to_state=M2[^"]*)"', page).group(1)

    listing = client.get(link.replace("&amp;", "&")).content.decode()

    prev, cur = MONTH_ENDS[next(m for m in MONTH_ENDS if m.strftime("%Y-%m") == FEBRUARY)]
    before, after = definitions.states_at(prev), definitions.states_at(cur)
    rolled = {name for name, loan in book.loans.items() if before[loan.pk].state == "M1" and after[loan.pk].state == "M2"}
    assert rolled and rolled == {name for name in book.loans if f">{name}<" in listing}


def test_every_table_of_a_page_exports_as_csv_with_the_figures_of_the_page(client, book):
    login(client, roles.ANALYST)

    response = client.get(reverse("report-portfolio"), {"month": FEBRUARY, "export": "roll-matrix-count"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="roll-matrix-count-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["From \\ to", "M0 (%)", "M1 (%)"]
    m1 = next(row for row in rows if row[0] == "M1")
    assert m1[rows[0].index("M2 (%)")] == "80.00"  # four of the five accounts in M1 at the end of January
    assert m1[-1] == "5"


def test_an_unknown_table_to_export_is_a_bad_request(client, book):
    login(client, roles.ANALYST)

    assert client.get(reverse("report-agents"), {"export": "nothing"}).status_code == 400


def test_the_drill_down_exports_its_cases_as_csv(client, book):
    login(client, roles.SUPERVISOR)

    response = client.get(
        reverse("report-cases"),
        {"figure": "exit", "reason": "cured", "first": "2026-01-01", "last": "2026-04-30", "export": "cases"},
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Account", "Product", "Case"]
    assert sorted(row[0] for row in rows[1:]) == ["CUREM2", "CURES", "LATE2", "LATE2"]


def test_a_drill_down_it_cannot_list_says_so(client, book):
    login(client, roles.SUPERVISOR)

    response = client.get(reverse("report-cases"), {"figure": "flow", "month": "2026-02-01", "from_state": "M0", "to_state": "M0"})

    assert response.status_code == 400
    assert "This figure cannot be listed" in response.content.decode()


def test_agents_are_ranked_by_the_chosen_kpi_with_its_definition_beside_it(client, book):
    login(client, roles.SUPERVISOR)

    page = client.get(reverse("report-agents"), {"sort": "attempts"}).content.decode()

    assert "Right-party contacts / attempts." in page
    assert "Cases cured (DPD back to 0) / (cases held at the start of the period + cases opened in it)." in page
    names = re.findall(r'<th scope="row">\d+</th><td class="">(\w+)</td>', page)
    assert set(names) >= {"ann", "bob", "cat"}


def test_a_team_lead_sees_only_the_agents_of_the_teams_they_lead(client, book):
    lead = login(client, roles.TEAM_LEAD, "lead")
    team = book.agents["cat"].team
    team.lead = lead
    team.save()

    page = client.get(reverse("report-agents")).content.decode()

    assert ">cat<" in page and ">ann<" not in page and ">bob<" not in page


def test_a_reversed_date_range_is_refused_with_a_message(client, book):
    login(client, roles.SUPERVISOR)

    page = client.get(reverse("report-portfolio"), {"first": "2026-04-01", "last": "2026-03-01"}).content.decode()

    assert "The range ends before it starts." in page


def test_the_pages_speak_chinese_too(client, book):
    login(client, roles.SUPERVISOR)

    page = client.get(reverse("report-portfolio"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "迁移矩阵" in page


@pytest.mark.parametrize(
    "params",
    [
        {"figure": "cured", "first": "2026-01-01", "last": "2026-04-30", "team": "early"},
        {"figure": "calls", "first": "2026-01-01", "last": "soon"},
        {"figure": "nothing"},
    ],
)
def test_a_drill_down_with_a_malformed_parameter_is_a_bad_request_not_an_error(client, book, params):
    login(client, roles.SUPERVISOR)

    assert client.get(reverse("report-cases"), params).status_code == 400
