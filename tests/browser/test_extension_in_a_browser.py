"""An agent runs an extension through the script; it goes to a supervisor, who approves; the schedule shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.models import Installment
from collections_app import roles
from collections_app.models import ExtensionRequest
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import book_words, check_screen
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.extension_book import an_agent, eligible_case, shipped_sop, user_with_role

pytestmark = pytest.mark.browser


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until htmx has no request, swap or settle in flight: the next click lands on the new panel."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_an_agent_runs_an_extension_through_the_script_and_a_supervisor_approves_it(
    browser_page, live_server, screenshot, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC))
    presets_ensure()
    roles.roles_ensure()
    sop = shipped_sop()
    ann = an_agent("ann")
    case = eligible_case(ann, penalty="3000.00")
    user_with_role("sue", roles.SUPERVISOR)

    log_in(browser_page, live_server, "ann")
    browser_page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = browser_page.locator("#extension-panel")
    expect(panel.locator(f"[data-sop='{sop.pk}'] .tag.ok")).to_have_text("eligible")
    panel.get_by_role("button", name="Start an extension").click()
    for step in sop.steps.all():
        row = panel.locator(f"[data-step='{step.code}']")
        row.get_by_role("button", name="Done").click()
        expect(row.locator(".ticked")).to_be_visible()
        settled(browser_page)
    panel.get_by_label("Penalty waived (%)").fill("50")
    panel.get_by_role("button", name="Show the cost").click()
    expect(panel.locator(".extension-quote")).to_contain_text("1,500.00 penalty")
    expect(panel.locator(".extension-quote")).to_contain_text("2026-03-17")
    settled(browser_page)
    screenshot(browser_page, "extension-cost")
    panel.get_by_role("button", name="Submit the extension").click()
    expect(panel.locator("p.saved")).to_have_text("Submitted for approval.")
    expect(panel.locator(".extension-status")).to_have_text("Waiting for approval")

    browser_page.context.clear_cookies()
    log_in(browser_page, live_server, "sue")
    browser_page.goto(f"{live_server.url}/extensions/approvals/")
    card = browser_page.locator(".extension-approval")
    expect(card).to_contain_text(case.account.external_id)
    expect(card.locator(".extension-script li")).to_have_count(5)
    card.get_by_label("Reason").fill("job loss letter seen")
    card.get_by_role("button", name="Approve").click()
    expect(browser_page.get_by_text("Nothing waits for your approval.")).to_be_visible()

    browser_page.goto(f"{live_server.url}/cases/{case.pk}/")
    change = browser_page.locator("#extension-panel .extension-schedule tr[data-seq='2']")
    expect(change.locator(".new-due-date")).to_have_text("2026-03-17")
    screenshot(browser_page, "extension-applied")
    # The applied extension on the account screen (its schedule before and after, the decision history) at
    # both widths in both languages.
    data = [*book_words(), "job loss letter seen", "M1-M2 cash loan deferral", "cash", "EDT", "EST", "UTC",
            case.account.borrower.timezone]
    check_screen(browser_page, live_server, f"/cases/{case.pk}/", "extension-applied", allowed=data,
                 screenshot=screenshot, ready=lambda page: expect(page.locator("#extension-panel .extension-schedule")).to_be_visible())  # fmt: skip
    assert ExtensionRequest.objects.get(case=case).status == "applied"
    assert Installment.objects.get(loan=case.account, seq=2).due_date == dt.date(2026, 3, 17)
