"""POST cases/{id}/promises/: a promise through the promise rules, by integrations and the users of the case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app.models import Integration, PromiseToPay
from collections_app.services.promise_policy import promise_policies_ensure
from tests.api.conftest import CaseDebt, Clock, Dialer, dialer_client, granted, iso, open_case_debt
from tests.factories import UserFactory, make_agent, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(debt: CaseDebt) -> CaseDebt:
    promise_policies_ensure()
    debt.case.overdue_amount = Decimal("400.00")
    debt.case.save()
    return debt


def url(debt: CaseDebt) -> str:
    return f"/api/v1/cases/{debt.case.pk}/promises/"


def finished_call(dialer: Dialer, debt: CaseDebt, clock: Clock, *, call_id: str = "c-1", reached: bool = True) -> str:
    """A call the dialer placed and reported on the case: a conversation with the borrower, or no answer."""
    authorization_id = granted(dialer, debt.phone, case_id=debt.case.pk)
    call = dialer.put(
        f"/api/v1/dialer/calls/{call_id}/",
        {"authorization_id": authorization_id, "started_at": iso(clock.at + dt.timedelta(seconds=5)),
         "answered_at": iso(clock.at + dt.timedelta(seconds=15)) if reached else None,
         "ended_at": iso(clock.at + dt.timedelta(minutes=4))},
    )  # fmt: skip
    assert call.status_code == 201, call.json()
    outcome = (
        {"disposition": "hardship", "talk_seconds": 200, "right_party": True, "conversation": True}
        if reached
        else {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False}
    )
    response = dialer.post(f"/api/v1/dialer/calls/{call_id}/result/", outcome)
    assert response.status_code == 201, response.json()
    return call_id


def test_a_dialer_records_a_plan_on_its_call(dialer: Dialer, owed: CaseDebt, clock: Clock) -> None:
    call_id = finished_call(dialer, owed, clock)

    response = dialer.post(
        url(owed),
        {"parts": [{"amount": "50.00", "date": "2026-04-10"}, {"amount": "60.00", "date": "2026-04-24"}],
         "external_call_id": call_id},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["source"], body["status"]) == ("110.00", "dialer", "open")
    assert [part["date"] for part in body["parts"]] == ["2026-04-10", "2026-04-24"]
    assert body["attempt_id"] == PromiseToPay.objects.get().attempt_id is not None


def test_a_dialers_promise_without_a_call_behind_it_is_refused(dialer: Dialer, owed: CaseDebt) -> None:
    response = dialer.post(url(owed), {"amount": "50.00", "date": "2026-04-10"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "external_call_id": ["A dialer's promise needs the right-party call it was made on."]
    }
    assert not PromiseToPay.objects.exists()


def test_a_dialers_promise_on_a_call_that_did_not_reach_the_borrower_is_refused(
    dialer: Dialer, owed: CaseDebt, clock: Clock
) -> None:
    call_id = finished_call(dialer, owed, clock, reached=False)

    response = dialer.post(url(owed), {"amount": "50.00", "date": "2026-04-10", "external_call_id": call_id})

    assert response.status_code == 400
    assert "right-party contact" in response.json()["errors"]["external_call_id"][0]
    assert not PromiseToPay.objects.exists()


def test_the_core_system_records_a_promise_taken_on_its_own_channels(owed: CaseDebt) -> None:
    core = dialer_client("core", kind=Integration.Kind.CORE_SYSTEM)

    response = core.post(url(owed), {"amount": "50.00", "date": "2026-04-10"})

    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "api"


def test_a_promise_above_what_the_case_owes_is_refused(dialer: Dialer, owed: CaseDebt, clock: Clock) -> None:
    call_id = finished_call(dialer, owed, clock)

    response = dialer.post(url(owed), {"amount": "999999999.00", "date": "2026-04-10", "external_call_id": call_id})

    assert response.status_code == 400
    assert response.json()["code"] == "promise_refused"  # the rules refused it: not bad input
    assert response.json()["errors"] == {
        "amount": ["At most what the case owes, 400.00, may be promised; 999,999,999.00 is more."]
    }
    assert not PromiseToPay.objects.exists()


def test_a_second_open_promise_is_409(dialer: Dialer, owed: CaseDebt, clock: Clock) -> None:
    call_id = finished_call(dialer, owed, clock)
    dialer.post(url(owed), {"amount": "50.00", "date": "2026-04-10", "external_call_id": call_id})

    response = dialer.post(url(owed), {"amount": "60.00", "date": "2026-04-11", "external_call_id": call_id})

    assert response.status_code == 409
    assert PromiseToPay.objects.count() == 1


def test_the_rules_refuse_by_field(dialer: Dialer, owed: CaseDebt) -> None:
    response = dialer.post(url(owed), {"amount": "5.00", "date": "2026-04-10"})

    assert response.status_code == 400
    assert response.json()["code"] == "promise_refused"
    assert "amount" in response.json()["errors"]
    assert not PromiseToPay.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"amount": "50.00"}, {"amount": "50.00", "date": "2026-04-10", "parts": []}, {"amount": "-1", "date": "x"}]
)
def test_a_malformed_promise_is_400(dialer: Dialer, owed: CaseDebt, body: dict[str, object]) -> None:
    response = dialer.post(url(owed), body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"  # bad input, told apart from a refusal by the rules


def test_an_unknown_case_is_404(dialer: Dialer, owed: CaseDebt) -> None:
    assert dialer.post("/api/v1/cases/999999/promises/", {"amount": "50.00", "date": "2026-04-10"}).status_code == 404


def test_an_agent_records_one_on_their_own_case_but_not_on_anothers(dialer: Dialer, owed: CaseDebt) -> None:
    agent = make_agent(make_team("Early", ["M1"]), "agent1")
    owed.case.agent = agent
    owed.case.save()
    someone_elses = open_case_debt()
    client = APIClient()
    client.force_authenticate(agent.user)
    body = {"amount": "50.00", "date": "2026-04-10"}

    mine = client.post(url(owed), body, format="json")
    theirs = client.post(url(someone_elses), body, format="json")

    assert mine.status_code == 201
    assert mine.json()["source"] == "agent"
    assert theirs.status_code == 404
    assert PromiseToPay.objects.get().created_by == agent.user
    assert PromiseToPay.objects.get().first_date == dt.date(2026, 4, 10)


def test_an_analyst_may_not_record_promises(dialer: Dialer, owed: CaseDebt) -> None:
    analyst = UserFactory(username="ana")
    analyst.groups.add(Group.objects.get_or_create(name="analyst")[0])
    client = APIClient()
    client.force_authenticate(analyst)

    assert client.post(url(owed), {"amount": "50.00", "date": "2026-04-10"}, format="json").status_code == 403
