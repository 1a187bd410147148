"""The complaint screens: logging one from the account screen (a holding one refuses the Call with
``complaint_open``), the case's complaints with status and deadline, the queue in deadline order with
the overdue ones marked, and resolving from it; bad input shown again with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from collections_app import roles
from collections_app.models import Complaint
from collections_app.services.complaints import complaint_register
from tests.collections_app.complaint_fixtures import category, complaint_presets_ensure
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    Floor,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
)
from tests.factories import UserFactory
from tests.quality.quality_fixtures import call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _presets(contact_data: None, at: object) -> None:
    complaint_presets_ensure()


def log(client, case, **changes: str):  # type: ignore[no-untyped-def]
    data = {"category": "communication_tactics", "channel": "call", "description": "Shouted at me.", **changes}
    return client.post(f"/cases/{case.pk}/complaints/new/", data, HTTP_HX_REQUEST="true")


def test_a_holding_complaint_logged_from_the_account_screen_refuses_the_call_with_complaint_open(floor: Floor) -> None:
    case = open_case(floor.ann)
    earlier = call(floor.ann, case, at=MORNING - dt.timedelta(hours=2), talk_seconds=0)
    agent = login(floor.ann.user)

    logged = log(agent, case, link_last_call="on")
    refused = agent.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}).content.decode()

    complaint = Complaint.objects.get()
    assert logged.status_code == 200 and logged["HX-Trigger"] == "contact-changed"
    assert "It holds collection on this debt" in logged.content.decode()
    assert (complaint.holds_collection, complaint.agent_id, list(complaint.attempts.all())) == (
        True, floor.ann.user_id, [earlier],
    )  # fmt: skip
    assert 'data-reason="complaint_open"' in refused and "Call refused" in refused


def test_a_fees_complaint_holds_nothing_and_the_call_goes_through(floor: Floor) -> None:
    case = open_case(floor.ann)
    agent = login(floor.ann.user)

    log(agent, case, category="fees")
    placed = agent.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}).content.decode()

    assert "complaint_open" not in placed and first_phone(case).number in placed


def test_a_complaint_without_words_is_shown_again_and_nothing_is_registered(floor: Floor) -> None:
    case = open_case(floor.ann)

    response = log(login(floor.ann.user), case, description="  ")

    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "Say what the borrower complains about." in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_case_shows_its_complaints_with_status_and_the_borrowers_deadline_day(floor: Floor) -> None:
    case = open_case(floor.ann)
    complaint_register(case=case, category=category("fees"), channel="email", description="x", actor=None, now=MORNING)

    page = login(floor.lead).get(f"/cases/{case.pk}/complaints/", HTTP_HX_REQUEST="true").content.decode()

    # Received Tuesday 7 April in New York: acknowledged within one business day, by the end of Wednesday.
    assert "Received" in page and "by the end of Wed 2026-04-08" in page and "overdue" not in page


def test_the_queue_puts_the_nearest_deadline_first_and_marks_the_overdue_one(floor: Floor, at) -> None:  # type: ignore[no-untyped-def]
    late, fresh = open_case(floor.ann), open_case(floor.bob)
    fresh_one = complaint_register(case=fresh, category=category("fees"), channel="call", description="x",
                                   actor=None, now=MORNING)  # fmt: skip
    late_one = complaint_register(case=late, category=category("fees"), channel="call", description="x",
                                  actor=None, received_at=MORNING - dt.timedelta(days=3), now=MORNING)  # fmt: skip

    page = login(floor.lead).get("/complaints/").content.decode()

    assert page.index(f'data-complaint="{late_one.pk}"') < page.index(f'data-complaint="{fresh_one.pk}"')
    assert f'data-complaint="{late_one.pk}" class="is-overdue" data-overdue' in page
    assert f'data-complaint="{fresh_one.pk}">' in page
    assert "1 overdue" in page


def test_a_supervisor_resolves_from_the_queue_and_the_hold_lifts(floor: Floor) -> None:
    case = open_case(floor.ann)
    complaint = complaint_register(case=case, category=category("communication_tactics"), channel="call",
                                   description="x", actor=None, agent=floor.ann.user, now=MORNING)  # fmt: skip
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))

    resolved = login(sue).post(f"/complaints/{complaint.pk}/resolve/",
                               {"resolution": "upheld", "root_cause": "agent_conduct", "note": "Apologised."})  # fmt: skip
    placed = login(floor.ann.user).post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}).content.decode()

    complaint.refresh_from_db()
    assert resolved.status_code == 302 and resolved["Location"] == "/complaints/"
    assert (complaint.status, complaint.resolution, complaint.resolution_note) == ("resolved", "upheld", "Apologised.")
    assert "complaint_open" not in placed and first_phone(case).number in placed


def test_a_resolution_without_an_answer_is_refused_and_nothing_changes(floor: Floor) -> None:
    case = open_case(floor.ann)
    complaint = complaint_register(case=case, category=category("fees"), channel="call", description="x",
                                   actor=None, now=MORNING)  # fmt: skip

    response = login(floor.lead).post(f"/complaints/{complaint.pk}/resolve/",
                                      {"resolution": "upheld", "root_cause": "other", "note": ""})  # fmt: skip

    complaint.refresh_from_db()
    assert response.status_code == 400 and "Say what the borrower was answered." in response.content.decode()
    assert complaint.status == "received"


def test_a_lead_complained_about_is_refused_and_shown_no_form(floor: Floor) -> None:
    case = open_case(floor.ann)
    complaint = complaint_register(case=case, category=category("fees"), channel="call", description="x",
                                   actor=None, agent=floor.lead, now=MORNING)  # fmt: skip
    lead = login(floor.lead)

    page = lead.get("/complaints/").content.decode()
    refused = lead.post(f"/complaints/{complaint.pk}/resolve/", {"resolution": "upheld", "root_cause": "other",
                                                                 "note": "x"})  # fmt: skip

    assert "Someone else resolves this one." in page and refused.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "received"


def test_the_menu_offers_the_queue_to_leads_their_own_complaints_to_agents_and_call_reviews_to_both(
    floor: Floor,
) -> None:
    agent_page = login(floor.ann.user).get("/queue/").content.decode()
    lead_page = login(floor.lead).get("/complaints/").content.decode()
    analyst_page = login(floor.analyst).get("/portfolio/").content.decode()

    assert 'href="/reviews/"' in agent_page and 'href="/complaints/mine/"' in agent_page
    assert 'href="/complaints/"' not in agent_page
    assert 'href="/complaints/"' in lead_page and 'href="/reviews/"' in lead_page
    assert 'href="/complaints/mine/"' not in lead_page
    assert 'href="/complaints/"' not in analyst_page and 'href="/reviews/"' not in analyst_page
