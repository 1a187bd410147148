"""A case's pending callbacks follow it to its new agent, whoever moves it (a lead's reassignment, the
nightly assignment); closed ones keep who had them."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.services.assignment import cases_assign
from collections_app.services.callbacks import case_callback_close, case_callback_schedule
from scheduling.models import Callback
from tests.collections_app.contact_fixtures import (  # noqa: F401 (fixtures)
    MORNING,
    at_fixture,
    contact_data_fixture,
    floor_fixture,
    login,
    open_case,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def callback_for(case, *, hours: int = 1) -> Callback:  # type: ignore[no-untyped-def]
    return case_callback_schedule(
        case=case, due_at=MORNING + dt.timedelta(hours=hours), actor=case.agent.user, now=MORNING
    )


def test_a_lead_reassigning_a_case_gives_its_callbacks_to_the_new_agent(floor, at):
    case = open_case(floor.ann)
    pending = callback_for(case)
    done = callback_for(case, hours=2)
    case_callback_close(callback=done, actor=floor.ann.user)
    lead = login(floor.lead)

    lead.post(
        f"/teams/{case.team_id}/",
        {"action": "reassign", "agent": floor.bob.pk, "cases": [case.pk], "reason": "ann is on the phone all day"},
    )

    pending.refresh_from_db()
    done.refresh_from_db()
    assert (pending.agent, done.agent) == (floor.bob, floor.ann)
    bob, ann = login(floor.bob.user), login(floor.ann.user)
    assert f'data-callback="{pending.pk}"' in bob.get("/promises/").content.decode()
    assert f'data-callback="{pending.pk}"' not in ann.get("/promises/").content.decode()
    panel = bob.get(f"/cases/{case.pk}/callbacks/", **HTMX).content.decode()
    assert "<td>bob</td>" in panel
    assert ann.post(f"/callbacks/{pending.pk}/close/", {"status": "done"}, **HTMX).status_code == 404
    assert bob.post(f"/callbacks/{pending.pk}/close/", {"status": "done"}, **HTMX).status_code == 200


def test_the_nightly_assignment_moves_the_callbacks_with_the_cases_it_spreads(floor, at):
    case = open_case(floor.ann)
    pending = callback_for(case)
    floor.ann.status = "inactive"
    floor.ann.save()

    cases_assign(today=MORNING.date())

    case.refresh_from_db()
    pending.refresh_from_db()
    assert case.agent == floor.bob
    assert pending.agent == floor.bob


def test_a_case_left_without_an_agent_leaves_its_callbacks_without_one(floor, at):
    case = open_case(floor.ann)
    pending = callback_for(case)
    floor.ann.status = "inactive"
    floor.ann.save()
    floor.bob.status = "inactive"
    floor.bob.save()

    cases_assign(today=MORNING.date())

    pending.refresh_from_db()
    assert pending.agent is None
