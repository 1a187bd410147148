"""An agent is refused a call at night with the reason shown, then logs an allowed call and sees it in the history.

The screens read ``collections_app.services.clock.now``; the test stands it at 22:30 and then at
10:00 in New York, so the outcome never depends on when the test runs.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collections_app.models import ContactAttempt
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import book_words, check_screen
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.contact_fixtures import MORNING, NIGHT, dispositions_ensure, first_phone, open_case
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser


def test_an_agent_is_refused_at_night_then_logs_an_allowed_call_and_sees_it_in_the_history(
    browser_page, live_server, screenshot, monkeypatch
):
    presets_ensure()
    dispositions_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = open_case(ann)
    phone = first_phone(case)
    page = browser_page
    monkeypatch.setattr(clock, "now", lambda: NIGHT)

    # At 22:30 in New York the queue and the account screen say not now, and from when.
    log_in(page, live_server, "ann")
    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.locator("[data-queue-row]").first).to_contain_text("from Wed 2026-04-08 08:00 EDT")
    screenshot(page, "calls-queue-at-night")
    page.get_by_role("link", name=case.account.external_id).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    panel = page.locator("#compliance-panel")
    expect(panel).to_contain_text("Not now")
    expect(panel).to_contain_text("Outside the contact window in America/New_York")

    # Pressing Call anyway: refused, the reason shown, nothing recorded, no number revealed.
    panel.get_by_role("button", name=re.compile("^Call")).click()
    refusal = page.locator("#call-area .call-refused")
    expect(refusal).to_contain_text("Call refused")
    expect(refusal).to_contain_text("Outside the contact window in America/New_York (local time there: 2026-04-07 22:30 EDT).")
    expect(refusal).to_contain_text("Wed 2026-04-08 08:00 EDT")
    expect(page.locator("body")).not_to_contain_text(phone.number)
    screenshot(page, "calls-refused-at-night")
    assert not ContactAttempt.objects.exists()

    # The next morning the panel, checked again, allows the call; the number shows to dial.
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    settled(page)  # the refusal refreshes the panel: click on the new one, not the one being swapped out
    page.locator("#compliance-panel").get_by_role("button", name="Check again").click()
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    settled(page)
    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    expect(page.locator(".dial-number")).to_have_text(phone.number)

    # The outcome: choosing "Refused to pay" ticks right party and conversation; talk time as m:ss.
    page.get_by_label("Outcome").select_option(label="Refused to pay")
    expect(page.get_by_label("Spoke with the borrower (right-party contact)")).to_be_checked()
    expect(page.get_by_label("A conversation about the debt took place")).to_be_checked()
    page.get_by_label(re.compile("^Talk time")).fill("2:05")
    page.get_by_label("Notes").fill("Says the salary comes on the 15th.")
    screenshot(page, "calls-outcome-form")
    page.get_by_role("button", name="Save outcome").click()

    expect(page.locator("#call-area")).to_contain_text("Call logged")
    history = page.locator("#contact-history")
    expect(history).to_contain_text("Refused to pay")
    expect(history).to_contain_text("Says the salary comes on the 15th.")
    expect(history).to_contain_text("2026-04-07 10:00 EDT")
    expect(history).to_contain_text("2:05")
    # The conversation starts the 7-day cool-down: the panel now says so.
    expect(page.locator("#compliance-panel")).to_contain_text("no calls until 2026-04-14")
    screenshot(page, "calls-logged")
    attempt = ContactAttempt.objects.get()
    assert (attempt.status, attempt.disposition.code, attempt.talk_seconds) == ("completed", "refused", 125)
    # The account screen with the call in its history and the cool-down, at both widths in both languages.
    data = [*book_words(), "Says the salary comes on the 15th.", "M1-M2 cash loan deferral", "cash", "EDT", "EST",
            case.account.borrower.timezone]
    check_screen(page, live_server, f"/cases/{case.pk}/", "calls-logged", allowed=data, screenshot=screenshot,
                 ready=lambda p: expect(p.locator("#contact-history")).to_contain_text("2:05"))  # fmt: skip


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until htmx has no request, swap or settle in flight."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
