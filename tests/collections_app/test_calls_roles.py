"""Who may call: the case's agent, the team lead, a supervisor. Everyone else gets 404 and nothing is written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import PiiReveal
from collections_app import roles
from collections_app.models import ContactAttempt
from scheduling.models import ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def endpoints(case, phone, attempt):  # type: ignore[no-untyped-def]
    """Every contact endpoint of a case: (method, url, data)."""
    return [
        ("get", f"/cases/{case.pk}/compliance/", {}),
        ("get", f"/cases/{case.pk}/history/", {}),
        ("post", f"/cases/{case.pk}/calls/", {"phone": phone.pk}),
        ("post", f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("no_answer")),
        ("post", f"/cases/{case.pk}/calls/{attempt.pk}/not-dialed/", {}),
        ("post", f"/cases/{case.pk}/requests/", {"kind": "cease", "note": "on this call", "confirm": "on"}),
    ]


@pytest.fixture
def anns_open_call(floor, at):  # type: ignore[no-untyped-def]
    case = open_case(floor.ann)
    phone = first_phone(case)
    login(floor.ann.user).post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
    return case, phone, ContactAttempt.objects.get()


@pytest.mark.parametrize("who", ["bob", "other_lead"])
def test_another_agent_or_another_teams_lead_gets_404_everywhere_and_writes_nothing(
    floor, anns_open_call, who
):
    case, phone, attempt = anns_open_call
    user = floor.bob.user if who == "bob" else floor.other_lead
    client = login(user)
    reveals = PiiReveal.objects.count()

    statuses = {
        url: getattr(client, method)(url, data).status_code
        for method, url, data in endpoints(case, phone, attempt)
    }

    assert set(statuses.values()) == {404}, statuses
    attempt.refresh_from_db()
    assert attempt.status == "reserved"
    assert ContactAttempt.objects.count() == 1
    assert PiiReveal.objects.count() == reveals
    assert not ContactPreference.objects.exists()


def test_an_analyst_reads_the_panel_but_may_not_call_or_record_requests(floor, anns_open_call):
    case, phone, attempt = anns_open_call
    client = login(floor.analyst)

    panel = client.get(f"/cases/{case.pk}/compliance/")
    screen = client.get(f"/cases/{case.pk}/")
    call = client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
    cease = client.post(f"/cases/{case.pk}/requests/", {"kind": "cease", "note": "on this call", "confirm": "on"})

    assert panel.status_code == 200
    assert panel.context["panel"].can_call is False
    assert b'name="phone"' not in panel.content
    assert b"Record a borrower request" not in screen.content
    assert (call.status_code, cease.status_code) == (404, 404)
    assert ContactAttempt.objects.count() == 1


def test_the_team_lead_may_call_a_case_of_the_team_but_not_report_the_agents_call(floor, anns_open_call):
    case, phone, attempt = anns_open_call
    client = login(floor.lead)
    login(floor.ann.user).post(f"/cases/{case.pk}/calls/{attempt.pk}/not-dialed/")

    foreign_report = client.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("no_answer"))
    placed = client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})

    assert foreign_report.status_code == 404
    assert phone.number in placed.content.decode()
    assert ContactAttempt.objects.filter(agent=floor.lead, status="reserved").count() == 1


def test_a_supervisor_may_call_any_case(floor, anns_open_call):
    case, phone, attempt = anns_open_call
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))

    placed = login(sue).post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})

    assert phone.number in placed.content.decode()


def test_a_phone_of_another_borrower_is_404(floor, anns_open_call):
    case, _phone, _attempt = anns_open_call
    elsewhere = first_phone(open_case(floor.ann))
    login(floor.ann.user).post(f"/cases/{case.pk}/calls/{_attempt.pk}/not-dialed/")

    response = login(floor.ann.user).post(f"/cases/{case.pk}/calls/", {"phone": elsewhere.pk})

    assert response.status_code == 404
    assert ContactAttempt.objects.filter(status="reserved").count() == 0


def test_anonymous_visitors_get_nothing(floor, anns_open_call):
    from django.test import Client

    case, phone, attempt = anns_open_call
    client = Client()

    statuses = [
        getattr(client, method)(url, data).status_code
        for method, url, data in endpoints(case, phone, attempt)
    ]

    assert set(statuses) <= {302, 403, 404}
    assert ContactAttempt.objects.count() == 1
