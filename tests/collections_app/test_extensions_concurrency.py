"""Extension requests and approvals racing on one account: the SOP's limits hold under concurrency.

Eight agents' clients post the same valid request at once (the shipped SOP: at most 30 days, one
extension per 12 months, at most half the penalty waived). Exactly one is applied; the schedule
moves by 30 days and the penalty is halved once. Each client is a thread on its own connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Installment
from collections_app.models import ExtensionRequest
from collections_app.services import clock
from tests.collections_app.extension_book import an_agent, eligible_case, shipped_sop, user_with_role
from tests.concurrency import at_once

RACERS = 8

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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


def race(calls: list[Callable[[], Any]], *, json: bool = True) -> list[tuple[int, Any]]:
    """Run ``calls`` at once (``tests.concurrency.at_once``); (status, body) of each answer."""

    def run(index: int) -> tuple[int, Any]:
        response = calls[index]()
        return response.status_code, response.json() if json else None

    return at_once(len(calls), run)


def test_eight_simultaneous_requests_apply_exactly_one_within_the_sops_limits() -> None:
    # Given an eligible case (installment 2 due 2026-02-15 owes a penalty of 60.00) and its agent
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    sop = shipped_sop()
    assert (sop.max_extension_days, sop.max_per_year, sop.max_penalty_waiver) == (30, 1, Decimal("0.5"))
    url = f"/api/v1/cases/{case.pk}/extensions/"
    payload = body()

    # When eight clients of the agent post the same request at once
    answers = race([lambda: client_for(agent.user).post(url, payload, format="json") for _ in range(RACERS)])

    # Then exactly one is applied; the others are refused with the error body, none is a 500
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    assert all(status in (400, 409) for status in statuses if status != 201), answers
    assert all({"message", "code"} <= set(answer) for status, answer in answers if status != 201), answers
    assert ExtensionRequest.objects.filter(account=case.account, status=ExtensionRequest.Status.APPLIED).count() == 1
    # And the schedule moved once: 30 days, half the penalty waived
    installment = Installment.objects.get(loan=case.account, seq=2)
    assert installment.due_date == dt.date(2026, 2, 15) + dt.timedelta(days=30)
    assert installment.penalty_due == Decimal("30.00")


def test_simultaneous_approvals_of_one_request_apply_it_once() -> None:
    # Given a request above the agent's authority, waiting for a supervisor
    agent = an_agent()
    case = eligible_case(agent, penalty="3000.00")
    created = client_for(agent.user).post(f"/api/v1/cases/{case.pk}/extensions/", body(), format="json")
    assert created.json()["status"] == "submitted", created.json()
    url = f"/api/v1/extensions/{created.json()['id']}/approve/"
    supervisors = [user_with_role(f"sue{n}", "supervisor") for n in range(RACERS)]

    # When eight supervisors approve it at once
    answers = race([lambda user=user: client_for(user).post(url, {"reason": "ok"}, format="json") for user in supervisors])

    # Then one approval applies it and the others are told it is no longer waiting
    assert sorted(status for status, _ in answers) == [200] + [409] * (RACERS - 1), answers
    installment = Installment.objects.get(loan=case.account, seq=2)
    assert installment.due_date == dt.date(2026, 3, 17)
    assert installment.penalty_due == Decimal("1500.00")


def test_approvals_racing_with_apply_clicks_neither_deadlock_nor_apply_twice() -> None:
    # Given a request waiting for a supervisor, and its agent's screen with an "apply" button
    agent = an_agent()
    case = eligible_case(agent, penalty="3000.00")
    created = client_for(agent.user).post(f"/api/v1/cases/{case.pk}/extensions/", body(), format="json")
    extension_id = created.json()["id"]
    supervisors = [user_with_role(f"sue{n}", "supervisor") for n in range(RACERS // 2)]
    screen = Client()
    screen.force_login(agent.user)

    def approve(user) -> Any:  # type: ignore[no-untyped-def]
        return client_for(user).post(f"/api/v1/extensions/{extension_id}/approve/", {}, format="json")

    def apply() -> Any:
        return screen.post(f"/extensions/{extension_id}/apply/", HTTP_HX_REQUEST="true")

    # When approvals and apply clicks arrive at once (each takes the account's locks in one order)
    calls: list[Callable[[], Any]] = [lambda user=user: approve(user) for user in supervisors]
    calls += [apply] * (RACERS // 2)
    answers = race(calls, json=False)

    # Then no request failed, and the schedule moved once
    assert all(status < 500 for status, _ in answers), answers
    assert ExtensionRequest.objects.get(pk=extension_id).status == ExtensionRequest.Status.APPLIED
    installment = Installment.objects.get(loan=case.account, seq=2)
    assert (installment.due_date, installment.penalty_due) == (dt.date(2026, 3, 17), Decimal("1500.00"))
