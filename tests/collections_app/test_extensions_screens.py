"""The extension panel of the account screen and the approvers' queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from accounts.models import Installment
from collections_app.models import ExtensionRequest, ExtensionSop
from collections_app.services import clock
from tests.collections_app.extension_book import TODAY, an_agent, eligible_case, shipped_sop, user_with_role

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def on_the_first_of_march(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC))


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_offers_the_eligible_sop_and_says_why_not_for_the_others():
    agent = an_agent()
    case = eligible_case(agent)
    ExtensionSop.objects.create(name="M3 recovery", buckets="M3", min_dpd=61, max_dpd=90)

    page = client_for(agent.user).get(f"/cases/{case.pk}/extensions/", **HX).content.decode()

    assert "Start an extension" in page
    assert "Bucket M1 is not one of M3." in page
    assert "14 days past due is outside 61-90." in page


def test_an_agent_walks_the_script_sees_the_cost_and_a_team_lead_approves_the_grant_over_their_limit():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    ann = client_for(agent.user)
    sop = shipped_sop()

    ann.post(f"/cases/{case.pk}/extensions/new/", {"sop": sop.pk}, **HX)
    request = ExtensionRequest.objects.get(case=case)
    refused = ann.post(f"/extensions/{request.pk}/terms/", {
        "installment": "2", "days_deferred": "30", "penalty_waiver": "50", "interest_waiver": "0",
        "down_payment": "0", "hardship_reason": "job_loss", "action": "submit",
    }, **HX).content.decode()  # fmt: skip
    assert "Tick every required step first" in refused
    for step in sop.steps.all():
        ann.post(f"/extensions/{request.pk}/tick/", {"step": step.code}, **HX)
    terms = {
        "installment": "2", "days_deferred": "30", "penalty_waiver": "50", "interest_waiver": "0",
        "down_payment": "0", "hardship_reason": "job_loss",
    }  # fmt: skip
    preview = ann.post(f"/extensions/{request.pk}/terms/", {**terms, "action": "preview"}, **HX).content.decode()
    assert "Cost: 300.00 penalty and 0.00 interest waived, 300.00 USD in all." in preview
    assert "2026-03-17" in preview
    submitted = ann.post(f"/extensions/{request.pk}/terms/", {**terms, "action": "submit"}, **HX).content.decode()
    assert "Submitted for approval." in submitted

    lee = user_with_role("lee", "team_lead")
    agent.team.lead = lee
    agent.team.save()
    lead = client_for(lee)
    queue = lead.get("/extensions/approvals/").content.decode()
    assert case.account.external_id in queue
    assert "Verify the borrower" in queue
    lead.post(f"/extensions/{request.pk}/decide/", {"decision": "approve", "reason": "job loss letter"})

    assert ExtensionRequest.objects.get(pk=request.pk).status == "applied"
    assert Installment.objects.get(loan=case.account, seq=2).due_date == dt.date(2026, 3, 17)
    panel = ann.get(f"/cases/{case.pk}/extensions/", **HX).content.decode()
    assert "2026-03-17" in panel


def test_another_agent_gets_404_and_an_agent_cannot_open_the_approvers_queue():
    case = eligible_case(an_agent())
    other = client_for(an_agent("bob").user)

    assert other.get(f"/cases/{case.pk}/extensions/").status_code == 404
    assert other.post(f"/cases/{case.pk}/extensions/new/", {"sop": shipped_sop().pk}).status_code == 404
    assert other.get("/extensions/approvals/").status_code == 403


def test_the_account_screen_loads_the_extension_panel():
    agent = an_agent()
    case = eligible_case(agent)

    page = client_for(agent.user).get(f"/cases/{case.pk}/").content.decode()

    assert f"/cases/{case.pk}/extensions/" in page
    assert TODAY.year == 2026


def test_the_approvers_queue_reads_a_fixed_number_of_queries_whatever_its_length(django_assert_max_num_queries):
    supervisor = client_for(user_with_role("sue", "supervisor"))
    for name in ("ann", "bob", "cid"):
        agent = an_agent(name)
        submitted_over_the_limit = eligible_case(agent, penalty="600.00")
        ann = client_for(agent.user)
        request = ann.post(f"/cases/{submitted_over_the_limit.pk}/extensions/new/", {"sop": shipped_sop().pk}, **HX)
        assert request.status_code == 200
        extension = ExtensionRequest.objects.get(case=submitted_over_the_limit)
        for step in shipped_sop().steps.all():
            ann.post(f"/extensions/{extension.pk}/tick/", {"step": step.code}, **HX)
        ann.post(f"/extensions/{extension.pk}/terms/", {
            "installment": "2", "days_deferred": "30", "penalty_waiver": "50", "interest_waiver": "0",
            "down_payment": "0", "hardship_reason": "job_loss", "action": "submit",
        }, **HX)  # fmt: skip
    assert ExtensionRequest.objects.filter(status="submitted").count() == 3

    # 8, plus the menu's count of what waits, the requests' decision histories and the user's recent decisions.
    with django_assert_max_num_queries(11):
        page = supervisor.get("/extensions/approvals/").content.decode()

    assert page.count('class="panel extension-approval"') == 3


def test_a_team_lead_of_another_team_neither_sees_nor_decides_the_request():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    ann = client_for(agent.user)
    ann.post(f"/cases/{case.pk}/extensions/new/", {"sop": shipped_sop().pk}, **HX)
    extension = ExtensionRequest.objects.get(case=case)
    for step in shipped_sop().steps.all():
        ann.post(f"/extensions/{extension.pk}/tick/", {"step": step.code}, **HX)
    ann.post(f"/extensions/{extension.pk}/terms/", {
        "installment": "2", "days_deferred": "30", "penalty_waiver": "50", "interest_waiver": "0",
        "down_payment": "0", "hardship_reason": "job_loss", "action": "submit",
    }, **HX)  # fmt: skip
    stranger = client_for(user_with_role("tom", "team_lead"))

    assert case.account.external_id not in stranger.get("/extensions/approvals/").content.decode()
    assert stranger.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "submitted"
