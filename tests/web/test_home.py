from __future__ import annotations

import pytest
from django.urls import reverse

from collections_app import roles
from collections_app.models import Agent, Case, Team
from tests.factories import LoanFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.TEAM_LEAD])
def test_team_leads_and_supervisors_start_on_todays_board(client_as, role):
    response = client_as(role).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("today")


@pytest.mark.parametrize("role", [roles.ANALYST, roles.ADMINISTRATOR])
def test_analysts_and_administrators_start_on_the_portfolio(client_as, role):
    response = client_as(role).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio")


@pytest.mark.urls("tests.web.urls_shell")
def test_until_the_queue_exists_an_agent_starts_on_a_page_with_their_open_cases(client, user_with_role):
    user = user_with_role(roles.AGENT, username="al")
    agent = Agent.objects.create(user=user, team=Team.objects.create(name="T"))
    Case.objects.create(account=LoanFactory(), agent=agent, bucket="M1", dpd=3, opened_on="2026-03-01")
    client.force_login(user)

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert "Welcome, al" in page
    assert "You have 1 open case." in page


@pytest.mark.urls("tests.web.urls_shell_with_queue")
def test_an_agent_starts_on_their_queue_and_sees_it_in_the_navigation(client, user_with_role):
    client.force_login(user_with_role(roles.AGENT))

    response = client.get(reverse("home"))
    portfolio_page = client.get(reverse("portfolio"))

    assert response.status_code == 302
    assert response["Location"] == "/queue/"
    assert portfolio_page.status_code == 403
    assert 'href="/queue/"' in portfolio_page.content.decode()


def test_a_user_without_a_role_is_told_to_ask_an_administrator(client):
    client.force_login(UserFactory(username="nobody"))

    page = client.get(reverse("home")).content.decode()

    assert "No role has been given to your account yet" in page


@pytest.mark.urls("tests.web.urls_shell")
def test_an_agent_sees_no_portfolio_link_but_a_supervisor_does(client, user_with_role):
    client.force_login(user_with_role(roles.AGENT))
    agent_page = client.get(reverse("home")).content.decode()
    client.force_login(user_with_role(roles.SUPERVISOR))
    supervisor_page = client.get(reverse("portfolio")).content.decode()

    assert 'href="/portfolio/"' not in agent_page
    assert 'href="/portfolio/"' in supervisor_page
    assert 'href="/admin/"' not in supervisor_page  # not staff


def test_staff_see_the_admin_link(client_as):
    page = client_as(roles.ADMINISTRATOR).get(reverse("portfolio")).content.decode()

    assert 'href="/admin/"' in page


def test_an_anonymous_visitor_of_the_start_page_is_asked_to_log_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
