"""A borrower calls in: the agent searches by the last digits of the number, finds the case and opens it;
the search screen fits at 1024 and 1440 px and speaks Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Phone
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen, log_in
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, open_case
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser


def test_an_inbound_caller_is_found_by_the_last_digits_of_the_number(browser_page, live_server, monkeypatch, screenshot):
    presets_ensure()
    dispositions_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = open_case(ann, phones=0)
    open_case(ann)
    Phone.objects.create(borrower=case.account.borrower, number="+12125550142", timezones="America/New_York")
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    page = browser_page

    log_in(page, live_server, "ann")
    page.get_by_role("navigation").get_by_role("link", name="Search").click()
    box = page.get_by_role("searchbox")
    expect(box).to_be_focused()
    box.fill("0142")

    results = page.locator("#search-results")
    expect(results).to_contain_text("1 case found.")
    expect(results.locator("[data-search-result]")).to_have_count(1)
    screenshot(page, "search-by-digits")
    results.get_by_role("link", name=case.account.external_id).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))

    account = case.account
    check_screen(page, live_server, f"/search/?q={account.external_id}", "search", screenshot=screenshot,
                 allowed=[account.external_id, account.borrower.name, account.borrower.external_id, "ann", "M1"])
