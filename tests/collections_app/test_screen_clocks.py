"""Whose clock each time on the work screens is read on: the borrower's where the rules judge, the
agent's own (the zone the browser reports) beside it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from collections_app.services.assignment import case_reassign
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


def test_the_zone_cookie_as_a_browser_writes_it_shows_the_agents_own_time(floor, at):
    case = open_case(floor.ann, timezone="Asia/Shanghai")
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "America%2FNew_York"  # encodeURIComponent("America/New_York")

    response = client.get(f"/cases/{case.pk}/compliance/")

    panel = response.context["panel"]
    assert panel.agent_zone == "America/New_York"
    assert panel.checked.agent == "Tue 2026-04-07 10:00 EDT"
    assert "Tue 2026-04-07 10:00 EDT your time" in response.content.decode()


def test_an_unknown_zone_in_the_cookie_falls_back_to_the_sites(floor, at):
    case = open_case(floor.ann, timezone="Asia/Shanghai")
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "Mars%2FOlympus"

    panel = client.get(f"/cases/{case.pk}/compliance/").context["panel"]

    assert (panel.agent_zone, panel.checked.agent) == ("UTC", "Tue 2026-04-07 14:00 UTC")


def test_the_assignment_history_reads_on_the_agents_clock(floor, at, monkeypatch):
    case = open_case(floor.bob)
    monkeypatch.setattr(timezone, "now", lambda: MORNING)  # 14:00 UTC, 22:00 in Shanghai
    case_reassign(case=case, agent=floor.ann, by=floor.lead, note="bob is away")
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "Asia%2FShanghai"

    text = client.get(f"/cases/{case.pk}/").content.decode()

    assert "2026-04-07 22:00" in text
    assert "2026-04-07 14:00" not in text


def test_the_callbacks_panel_gives_the_borrowers_time_as_the_compliance_panel_does(floor, at):
    case = open_case(floor.ann, timezone="America/Chicago")
    client = login(floor.ann.user)

    callbacks = client.get(f"/cases/{case.pk}/callbacks/", **HTMX).content.decode()
    checked = client.get(f"/cases/{case.pk}/compliance/").context["panel"].checked

    assert checked.borrower == "Tue 2026-04-07 09:00 CDT"
    assert "The borrower's time zone is America/Chicago: it is Tue 2026-04-07 09:00 CDT there." in callbacks
