"""Assigning a case that is no longer open is refused with the error body, and nothing changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app.models import AssignmentRecord, Case
from collections_app.services.assignment import case_reassign
from config.errors import DomainError
from tests.factories import UserFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db


def supervisor_client() -> tuple[APIClient, object]:
    supervisor = UserFactory(username="sup")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client = APIClient()
    client.force_authenticate(supervisor)
    return client, supervisor


def test_assigning_a_closed_case_is_a_409_with_the_reason_and_moves_nothing() -> None:
    # Given a case of ann's that was closed as cured
    team = make_team("M1 Team", ["M1"])
    ann, bob = make_agent(team, "ann"), make_agent(team, "bob")
    case = make_open_cases([Decimal("100.00")], agent=ann)[0]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, close_reason="cured", closed_on=dt.date(2026, 3, 1))
    client, _ = supervisor_client()

    # When a supervisor assigns it to bob
    response = client.post(f"/api/v1/cases/{case.pk}/assign/", {"agent": "bob", "lock": True}, format="json")

    # Then the answer says the case is closed, and it stays as it was
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "wrong_status"
    assert "closed" in response.json()["message"]
    case.refresh_from_db()
    assert (case.agent_id, case.locked) == (ann.pk, False)
    assert not AssignmentRecord.objects.filter(case=case).exists()
    assert bob.pk != case.agent_id


def test_the_service_refuses_a_closed_case_for_every_caller() -> None:
    team = make_team("M1 Team", ["M1"])
    ann = make_agent(team, "ann")
    case = make_open_cases([Decimal("100.00")], agent=ann)[0]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, close_reason="paid_off", closed_on=dt.date(2026, 3, 1))
    _, supervisor = supervisor_client()

    with pytest.raises(DomainError) as refused:
        case_reassign(case=case, agent=None, by=supervisor, lock=True)  # type: ignore[arg-type]

    assert refused.value.code == "wrong_status"
