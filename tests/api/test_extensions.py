"""The extensions API: eligible SOPs of a case, create-and-submit, approve / reject by role."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import Installment
from collections_app.models import ExtensionRequest
from collections_app.services import clock
from tests.collections_app.extension_book import an_agent, eligible_case, shipped_sop, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_the_first_of_march(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC))


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(**overrides: object) -> dict[str, object]:
    sop = shipped_sop()
    values: dict[str, object] = {
        "sop": sop.pk,
        "steps_completed": list(sop.steps.values_list("code", flat=True)),
        "installment_seqs": [2],
        "days_deferred": 30,
        "penalty_waiver": "0.5",
        "hardship_reason": "job_loss",
    }
    values.update(overrides)
    return values


def test_it_lists_the_sops_with_eligibility_and_hides_other_agents_cases():
    agent = an_agent()
    case = eligible_case(agent)

    answer = client_for(agent.user).get(f"/api/v1/cases/{case.pk}/extension-sops/")
    hidden = client_for(an_agent("bob").user).get(f"/api/v1/cases/{case.pk}/extension-sops/")

    assert answer.status_code == 200
    assert [(row["name"], row["eligible"], row["reasons"]) for row in answer.json()] == [
        ("M1-M2 cash loan deferral", True, [])
    ]
    assert hidden.status_code == 404


def test_an_agent_creates_and_submits_within_authority_and_it_is_applied():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")

    answer = client_for(agent.user).post(f"/api/v1/cases/{case.pk}/extensions/", body(), format="json")

    assert answer.status_code == 201, answer.json()
    assert (answer.json()["status"], answer.json()["penalty_waived"]) == ("applied", "30.00")
    assert Installment.objects.get(loan=case.account, seq=2).due_date == dt.date(2026, 3, 17)


def test_a_submission_missing_a_step_is_refused_and_leaves_no_draft():
    agent = an_agent()
    case = eligible_case(agent)

    answer = client_for(agent.user).post(
        f"/api/v1/cases/{case.pk}/extensions/", body(steps_completed=["identity"]), format="json"
    )

    assert answer.status_code == 400
    assert "script" in answer.json()["errors"]
    assert not ExtensionRequest.objects.exists()


def test_approval_by_role_the_agent_is_refused_the_requester_too_and_a_supervisor_approves():
    agent = an_agent()
    case = eligible_case(agent, penalty="3000.00")
    created = client_for(agent.user).post(f"/api/v1/cases/{case.pk}/extensions/", body(), format="json").json()
    assert created["status"] == "submitted"
    url = f"/api/v1/extensions/{created['id']}/approve/"

    assert client_for(agent.user).post(url, {}, format="json").status_code == 403
    lead = user_with_role("lee", "team_lead")
    agent.team.lead = lead
    agent.team.save()
    refused = client_for(lead).post(url, {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_authorized")
    approved = client_for(user_with_role("sue", "supervisor")).post(url, {"reason": "checked"}, format="json")

    assert approved.status_code == 200
    assert approved.json()["status"] == "applied"


def test_a_team_lead_rejects_with_a_reason():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    created = client_for(agent.user).post(f"/api/v1/cases/{case.pk}/extensions/", body(), format="json").json()
    lead = user_with_role("lee", "team_lead")
    agent.team.lead = lead
    agent.team.save()

    answer = client_for(lead).post(f"/api/v1/extensions/{created['id']}/reject/", {"reason": "no proof"}, format="json")

    assert (answer.status_code, answer.json()["status"], answer.json()["decision_reason"]) == (200, "rejected", "no proof")
