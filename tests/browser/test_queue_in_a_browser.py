from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import AssignmentRecord, Case
from tests.browser.screens import book_words, check_screen
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.factories import UserFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.browser


def test_an_agent_opens_the_first_case_and_a_supervisor_reassigns_it(browser_page, live_server, screenshot):
    team = make_team("M1 Team", ["M1"])
    ann, bob = make_agent(team, "ann"), make_agent(team, "bob")
    first, _second = make_open_cases([Decimal("900.00"), Decimal("100.00")], agent=ann)
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])

    log_in(browser_page, live_server, "ann")
    expect(browser_page).to_have_url(re.compile(r"/queue/$"))
    rows = browser_page.locator("[data-queue-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(first.account.external_id)
    screenshot(browser_page, "queue")
    check_screen(browser_page, live_server, "/queue/", "queue", allowed=book_words(), screenshot=screenshot)
    browser_page.goto(f"{live_server.url}/queue/")
    browser_page.keyboard.press("Enter")  # the first row is selected: one key opens it
    expect(browser_page).to_have_url(re.compile(rf"/cases/{first.pk}/$"))
    expect(browser_page.get_by_role("heading", level=1)).to_contain_text(first.account.external_id)
    screenshot(browser_page, "case")

    browser_page.context.clear_cookies()
    log_in(browser_page, live_server, "sue")
    browser_page.goto(f"{live_server.url}/teams/{team.pk}/")
    browser_page.get_by_label(first.account.external_id).check()
    browser_page.locator("select[name=action]").select_option("reassign")
    browser_page.locator("#bulk-form select[name=agent]").select_option(label="bob")
    browser_page.get_by_placeholder("Reason").fill("balancing by hand")
    browser_page.get_by_role("button", name="Apply to selected").click()

    expect(browser_page.locator(".messages")).to_contain_text("1 case updated")
    screenshot(browser_page, "team-board")
    assert Case.objects.get(pk=first.pk).agent == bob
    assert AssignmentRecord.objects.get(case=first).by.username == "sue"
    # The supervisor's lists reached from the top bar and its "More", at both widths in both languages.
    for path, name in (("/teams/", "team-list"), ("/promise-board/", "promise-board")):
        check_screen(browser_page, live_server, path, name, allowed=book_words(), screenshot=screenshot)
