"""Extension approvals can be found and followed (defect 4): a menu entry with what waits, a
confirmation of each decision, and the decision history on the request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from collections_app.models import ExtensionRequest
from collections_app.services import clock
from tests.collections_app.extension_book import an_agent, eligible_case, submitted, user_with_role

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def on_the_first_of_march(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC))


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def nav(html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)


@pytest.fixture
def waiting():  # type: ignore[no-untyped-def]
    """ann's request waiting for her team lead lee: a 300.00 waiver, above an agent's authority."""
    agent = an_agent()
    lee = user_with_role("lee", "team_lead")
    agent.team.lead = lee
    agent.team.save()
    request = submitted(eligible_case(agent, penalty="600.00"), agent.user)
    assert request.status == ExtensionRequest.Status.SUBMITTED
    return request, agent, lee


def test_the_menu_of_a_team_lead_and_a_supervisor_leads_to_the_approvals_with_the_count_waiting(waiting):
    _request, agent, lee = waiting

    lead_menu = nav(client_for(lee).get("/promise-board/").content.decode())
    supervisor_menu = nav(client_for(user_with_role("sue", "supervisor")).get("/teams/", follow=True).content.decode())
    agent_menu = nav(client_for(agent.user).get("/queue/").content.decode())

    for menu in (lead_menu, supervisor_menu):
        assert re.search(r'<a href="/extensions/approvals/">Approvals <span class="nav-count"[^>]*>1</span></a>', menu)
    assert "/extensions/approvals/" not in agent_menu


def test_the_menu_shows_no_count_when_nothing_waits():
    lee = user_with_role("lee", "team_lead")

    menu = nav(client_for(lee).get("/promise-board/").content.decode())

    assert '<a href="/extensions/approvals/">Approvals</a>' in menu


def test_an_approval_is_confirmed_with_the_new_due_date_and_listed_among_the_recent_decisions(waiting):
    request, _agent, lee = waiting

    page = client_for(lee).post(
        f"/extensions/{request.pk}/decide/", {"decision": "approve", "reason": "job loss letter"}, follow=True
    ).content.decode()

    account = request.case.account.external_id
    assert f"Extension of {account} approved and applied: #2 now due 2026-03-17." in page
    recent = re.search(r'<section class="panel" id="recent-decisions">.*?</section>', page, re.S).group(0)
    assert account in recent and "Applied" in recent and "job loss letter" in recent
    assert "Approvals <span" not in nav(page)  # nothing waits any more


def test_a_rejection_is_confirmed_with_its_reason(waiting):
    request, _agent, lee = waiting

    page = client_for(lee).post(
        f"/extensions/{request.pk}/decide/", {"decision": "reject", "reason": "no proof of income"}, follow=True
    ).content.decode()

    assert f"Extension of {request.case.account.external_id} rejected: no proof of income" in page
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionRequest.Status.REJECTED


def test_the_request_carries_its_decision_history_on_the_account_screen_and_in_the_queue(waiting):
    request, agent, lee = waiting

    queue = client_for(lee).get("/extensions/approvals/").content.decode()
    client_for(lee).post(f"/extensions/{request.pk}/decide/", {"decision": "approve", "reason": "job loss letter"})
    panel = client_for(agent.user).get(f"/cases/{request.case_id}/extensions/", **HX).content.decode()

    def steps(html: str) -> list[str]:
        history = re.search(r'<ol class="extension-history".*?</ol>', html, re.S).group(0)
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", history, re.S)]

    assert [step.split(" · ")[0::2] for step in steps(queue)] == [["Started", "ann"], ["Submitted", "ann"]]
    assert [(s.split(" · ")[0], s.split(" · ")[2]) for s in steps(panel)] == [
        ("Started", "ann"), ("Submitted", "ann"), ("Approved", "lee"), ("Applied: the schedule changed", "lee"),
    ]
    assert "“job loss letter”" in panel or "<q>job loss letter</q>" in panel
