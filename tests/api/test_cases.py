"""The cases API shows each role what it may see and lets only leads and supervisors reassign."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app.models import AssignmentRecord, Case, Integration
from collections_app.services.integrations import integration_create
from tests.factories import UserFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    m1 = make_team("M1 Team", ["M1"])
    m2 = make_team("M2 Team", ["M2"])
    ann = make_agent(m1, "ann")
    bob = make_agent(m1, "bob")
    cid = make_agent(m2, "cid")
    lead = UserFactory(username="lead")
    lead.groups.add(Group.objects.get_or_create(name="team_lead")[0])
    m1.lead = lead
    m1.save()
    supervisor = UserFactory(username="sup")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    cases = {
        "ann": make_open_cases([Decimal("100.00"), Decimal("200.00")], agent=ann),
        "bob": make_open_cases([Decimal("300.00")], agent=bob),
        "cid": make_open_cases([Decimal("400.00")], bucket="M2", agent=cid),
    }
    return {"ann": ann, "bob": bob, "cid": cid, "lead": lead, "sup": supervisor, "cases": cases}


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(user) -> set[int]:  # type: ignore[no-untyped-def]
    response = client_for(user).get("/api/v1/cases/")
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_an_agent_lists_only_their_own_cases(book):
    assert listed(book["ann"].user) == {c.pk for c in book["cases"]["ann"]}


def test_a_team_lead_lists_the_team_cases_and_a_supervisor_all(book):
    team_cases = {c.pk for c in book["cases"]["ann"] + book["cases"]["bob"]}
    assert listed(book["lead"]) == team_cases
    assert listed(book["sup"]) == team_cases | {book["cases"]["cid"][0].pk}


def test_the_listing_filters_by_bucket(book):
    response = client_for(book["sup"]).get("/api/v1/cases/", {"bucket": "M2"})
    assert [row["bucket"] for row in response.json()["results"]] == ["M2"]


def test_an_agent_asking_to_assign_another_agents_case_gets_404(book):
    bobs = book["cases"]["bob"][0]
    response = client_for(book["ann"].user).post(f"/api/v1/cases/{bobs.pk}/assign/", {"agent": "ann"}, format="json")
    assert response.status_code == 404
    assert Case.objects.get(pk=bobs.pk).agent == book["bob"]


def test_an_agent_cannot_reassign_even_their_own_case(book):
    own = book["cases"]["ann"][0]
    response = client_for(book["ann"].user).post(f"/api/v1/cases/{own.pk}/assign/", {"agent": "bob"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Case.objects.get(pk=own.pk).agent == book["ann"]


def test_a_team_lead_reassigns_and_locks_a_case_of_the_team_and_it_is_recorded(book):
    own = book["cases"]["ann"][0]
    response = client_for(book["lead"]).post(
        f"/api/v1/cases/{own.pk}/assign/", {"agent": "bob", "note": "callback promised", "lock": True}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["agent"], response.json()["locked"]) == ("bob", True)
    record = AssignmentRecord.objects.get(case=own)
    assert (record.reason, record.by, record.from_agent, record.to_agent) == ("manual", book["lead"], book["ann"], book["bob"])


def test_a_team_lead_cannot_move_a_case_to_an_agent_of_another_team(book):
    own = book["cases"]["ann"][0]
    response = client_for(book["lead"]).post(f"/api/v1/cases/{own.pk}/assign/", {"agent": "cid"}, format="json")
    assert response.status_code == 400
    assert "agent" in response.json()["errors"]


def test_a_team_lead_gets_404_for_a_case_of_another_team(book):
    other = book["cases"]["cid"][0]
    response = client_for(book["lead"]).post(f"/api/v1/cases/{other.pk}/assign/", {"agent": "ann"}, format="json")
    assert response.status_code == 404


def test_anonymous_callers_are_refused(book):
    assert APIClient().get("/api/v1/cases/").status_code in (401, 403)


def test_the_case_list_takes_a_fixed_number_of_queries(book, django_assert_max_num_queries):
    make_open_cases([Decimal("10.00")] * 30, agent=book["ann"])
    client = client_for(book["sup"])
    with django_assert_max_num_queries(4):
        client.get("/api/v1/cases/")


def token_client(kind: str, **fields):  # type: ignore[no-untyped-def]
    _integration, token = integration_create(name=f"{kind}-system", kind=kind, **fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_core_systems_token_lists_every_case(book):
    every_case = {c.pk for cases in book["cases"].values() for c in cases}

    response = token_client(Integration.Kind.CORE_SYSTEM).get("/api/v1/cases/", {"limit": 10})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == every_case


def test_the_core_systems_token_reads_cases_but_moves_none(book):
    own = book["cases"]["ann"][0]

    response = token_client(Integration.Kind.CORE_SYSTEM).post(
        f"/api/v1/cases/{own.pk}/assign/", {"agent": "bob", "lock": True}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert (Case.objects.get(pk=own.pk).agent, Case.objects.get(pk=own.pk).locked) == (book["ann"], False)
    assert not AssignmentRecord.objects.exists()


@pytest.mark.parametrize(
    ("kind", "scopes"),
    [(Integration.Kind.DIALER, None), (Integration.Kind.CORE_SYSTEM, ["core:book", "core:payments"])],
    ids=["a dialer", "a core system without core:cases"],
)
def test_a_token_without_the_cases_scope_is_refused_the_case_list(book, kind, scopes):
    response = token_client(kind, scopes=scopes).get("/api/v1/cases/")

    assert response.status_code == 403
    assert set(response.json()) == {"message", "errors", "code"}
    assert response.json()["code"] == "permission_denied"


def test_existing_core_system_integrations_are_given_the_cases_scope_and_dialers_are_not(db):
    from django.apps import apps

    core, _ = integration_create(name="old-core", kind=Integration.Kind.CORE_SYSTEM, scopes=["core:book", "dnc"])
    dialer, _ = integration_create(name="old-dialer")
    migration = importlib.import_module("collections_app.migrations.0023_core_system_reads_cases")

    migration.grant_core_cases(apps, None)
    migration.grant_core_cases(apps, None)  # a second run changes nothing

    core.refresh_from_db()
    dialer.refresh_from_db()
    assert core.scopes == ["core:book", "dnc", "core:cases"]
    assert "core:cases" not in dialer.scopes
