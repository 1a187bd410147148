"""Defect 4 in a browser: a supervisor finds the approvals from the menu, decides, is told what happened,
and the request shows its history."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen, log_in
from tests.collections_app.extension_book import an_agent, eligible_case, submitted, user_with_role

pytestmark = pytest.mark.browser


def test_a_supervisor_finds_the_waiting_extension_from_the_menu_approves_it_and_reads_its_history(
    browser_page, live_server, screenshot, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC))
    presets_ensure()
    roles.roles_ensure()
    ann = an_agent("ann")
    case = eligible_case(ann, penalty="3000.00")
    submitted(case, ann.user)
    user_with_role("sue", roles.SUPERVISOR)
    page = browser_page
    account = case.account.external_id

    log_in(page, live_server, "sue")
    check_screen(page, live_server, "/extensions/approvals/", "approvals", screenshot=screenshot,
                 allowed=[account, "ann", "sue", "M1-M2 cash loan deferral v1", "M1"])
    page.goto(f"{live_server.url}/")
    entry = page.locator(".mainnav a", has_text="Approvals")
    expect(entry.locator(".nav-count")).to_have_text("1")
    entry.click()

    card = page.locator(".extension-approval")
    expect(card.locator(".extension-history li")).to_have_count(2)
    card.get_by_label("Reason").fill("job loss letter seen")
    card.get_by_role("button", name="Approve").click()

    expect(page.locator(".messages")).to_contain_text(f"Extension of {account} approved and applied: #2 now due 2026-03-17.")
    expect(page.locator(".mainnav a", has_text="Approvals").locator(".nav-count")).to_have_count(0)
    expect(page.locator("#recent-decisions")).to_contain_text(account)
    screenshot(page, "approvals-decided")

    page.locator("#recent-decisions").get_by_role("link", name=account).click()
    history = page.locator("#extension-panel .extension-history li")
    expect(history).to_have_count(4)
    expect(history.nth(2)).to_contain_text("Approved")
    expect(history.nth(2)).to_contain_text("sue")
    expect(history.nth(2)).to_contain_text("job loss letter seen")
    screenshot(page, "approvals-history-on-the-case")
