"""The account screen as an agent in New York reads it: their own times on their own clock, the
borrower's on the borrower's, the same in every panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.services import clock
from collections_app.services.contact_requests import borrower_request_record
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen, log_in
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, open_case
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team
from tests.messaging.conftest import templates_ensure

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


def test_a_cease_takes_a_choice_a_note_and_a_confirmation_and_a_lead_can_reverse_it(
    browser_page, live_server, monkeypatch, screenshot
):
    presets_ensure()
    dispositions_ensure()
    team = make_team("M1 Team", ["M1"])
    ann = make_agent(team, "ann")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    team.lead = lee
    team.save()
    case = open_case(ann)
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    page = browser_page

    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    requests = page.locator("#contact-requests")
    kind = requests.get_by_label("The borrower asked", exact=True)
    expect(kind).to_have_value("")
    expect(requests.locator("[data-for-kind='cease dispute do_not_call']")).to_be_hidden()

    kind.select_option("cease")
    expect(requests.get_by_text("This stops collection on this borrower.")).to_be_visible()
    requests.get_by_role("button", name="Record request").click()
    expect(requests).to_contain_text("Say how and when the borrower asked: this stops collection.")
    expect(requests).to_contain_text("Confirm it with the borrower first: this stops collection.")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")

    requests = page.locator("#contact-requests")
    requests.get_by_label("How and when the borrower asked").fill("On this call, read back to her")
    requests.get_by_label("I read it back to the borrower and they confirmed it").check()
    screenshot(page, "account-cease-confirm")
    requests.get_by_role("button", name="Record request").click()
    expect(page.locator("#contact-requests")).to_contain_text("Recorded.")
    expect(page.locator("#compliance-panel")).to_contain_text("Asked us to stop all communication (cease).")

    # Entered by mistake: Lee, the team lead, reverses it with a reason.
    page.context.clear_cookies()
    log_in(page, live_server, "lee")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    reverse = page.locator("[data-reverse-form]")
    reverse.get_by_label("Entered by mistake").select_option("cease")
    reverse.get_by_label("Why it was a mistake").fill("Ann picked the wrong request")
    reverse.get_by_role("button", name="Reverse").click()
    expect(page.locator("#contact-requests")).to_contain_text("Reversed.")
    expect(page.locator("#compliance-panel")).not_to_contain_text("Asked us to stop all communication")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")


def test_the_account_screen_fits_at_1024_and_1440_and_speaks_chinese(browser_page, live_server, monkeypatch, screenshot):
    presets_ensure()
    dispositions_ensure()
    team = make_team("M1 Team", ["M1"])
    ann = make_agent(team, "ann")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    team.lead = lee
    team.save()
    case = open_case(ann, phones=2)
    borrower_request_record(borrower=case.account.borrower, kind="dispute", actor=ann.user, note="letter of 3 April")
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    account = case.account
    templates_ensure()  # the message panel's
    data = [account.borrower.name, account.external_id, account.product, account.borrower.timezone, "ann", "lee",
            "M1", "Team", "EDT", "EST", "M1-M2 cash loan deferral", "letter of 3 April"]

    log_in(browser_page, live_server, "lee")
    check_screen(browser_page, live_server, f"/cases/{case.pk}/", "account-screen", allowed=data, screenshot=screenshot,
                 ready=lambda page: (page.locator(".callback-panel form, .callback-panel p").first.wait_for(),
                                     page.locator("#message-form [data-preview]").wait_for()))
