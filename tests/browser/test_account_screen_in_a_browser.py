"""The account screen as an agent in New York reads it: their own times on their own clock, the
borrower's on the borrower's, the same in every panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import log_in
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, open_case
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser


@pytest.fixture
def in_new_york(browser_page):  # type: ignore[no-untyped-def]
    """The browser's clock in New York, as a laptop there reports it (``Intl`` time zone)."""
    session = browser_page.context.new_cdp_session(browser_page)
    session.send("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    return browser_page


def test_an_agent_in_new_york_reads_their_own_time_and_the_borrowers_in_every_panel(
    in_new_york, live_server, monkeypatch, screenshot
):
    presets_ensure()
    dispositions_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = open_case(ann, timezone="America/Chicago")
    monkeypatch.setattr(clock, "now", lambda: MORNING)  # 10:00 in New York, 09:00 in Chicago
    page = in_new_york

    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    panel = page.locator("#compliance-panel")
    expect(panel).to_contain_text("Checked at Tue 2026-04-07 09:00 CDT (America/Chicago)")
    expect(panel).to_contain_text("Tue 2026-04-07 10:00 EDT your time")
    expect(panel).not_to_contain_text("UTC")
    callbacks = page.locator(".callback-panel")
    expect(callbacks).to_contain_text("The borrower's time zone is America/Chicago: it is Tue 2026-04-07 09:00 CDT there.")
    screenshot(page, "account-screen-clocks")
