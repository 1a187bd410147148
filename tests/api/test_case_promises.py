"""POST cases/{id}/promises/: a promise through the promise rules, by integrations and the users of the case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app.models import PromiseToPay
from collections_app.services.promise_policy import promise_policies_ensure
from tests.api.conftest import CaseDebt, Dialer, open_case_debt
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


def test_an_integration_records_a_plan(dialer: Dialer, owed: CaseDebt) -> None:
    response = dialer.post(
        url(owed), {"parts": [{"amount": "50.00", "date": "2026-04-10"}, {"amount": "60.00", "date": "2026-04-24"}]}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["source"], body["status"]) == ("110.00", "dialer", "open")
    assert [part["date"] for part in body["parts"]] == ["2026-04-10", "2026-04-24"]


def test_a_second_open_promise_is_409(dialer: Dialer, owed: CaseDebt) -> None:
    dialer.post(url(owed), {"amount": "50.00", "date": "2026-04-10"})

    response = dialer.post(url(owed), {"amount": "60.00", "date": "2026-04-11"})

    assert response.status_code == 409
    assert PromiseToPay.objects.count() == 1


def test_the_rules_refuse_by_field(dialer: Dialer, owed: CaseDebt) -> None:
    response = dialer.post(url(owed), {"amount": "5.00", "date": "2026-04-10"})

    assert response.status_code == 400
    assert "amount" in response.json()["errors"]
    assert not PromiseToPay.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"amount": "50.00"}, {"amount": "50.00", "date": "2026-04-10", "parts": []}, {"amount": "-1", "date": "x"}]
)
def test_a_malformed_promise_is_400(dialer: Dialer, owed: CaseDebt, body: dict[str, object]) -> None:
    assert dialer.post(url(owed), body).status_code == 400


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
