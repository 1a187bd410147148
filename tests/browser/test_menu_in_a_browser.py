"""The top bar in a browser: each role's menu, with the longest (a supervisor who is also staff) on one
line at 1024 and 1440 px, in English and in Chinese; reviewers reach the call reviews from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collections_app import roles
from tests.browser.screens import WIDTHS, overflowing, set_language
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser

MENUS = {
    "ann": ["My queue", "My promises", "Search", "My complaints", "Call reviews"],
    "lee": ["Today", "Search", "Teams", "Promises by agent", "Approvals", "Complaints", "Call reviews", "Portfolio",
            "Reports", "Admin"],
    "sue": ["Today", "Search", "Teams", "Promises by agent", "Approvals", "Complaints", "Call reviews", "Portfolio",
            "Reports", "Admin"],
}


def test_every_role_reads_its_menu_on_one_line_at_1024_and_1440_in_both_languages(browser_page, live_server, screenshot):
    roles.roles_ensure()
    team = make_team("M1 Team", ["M1"])
    make_agent(team, "ann")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    team.lead = lee
    team.save()
    sue = user_with_role("sue", roles.SUPERVISOR)
    for staff in (lee, sue):
        staff.is_staff = True
        staff.save()
    page = browser_page
    try:
        for username, menu in MENUS.items():
            page.context.clear_cookies()
            log_in(page, live_server, username)
            for language in ("en", "zh-hans"):
                set_language(page, live_server, language)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 800})
                    page.goto(f"{live_server.url}/reviews/")
                    links = page.locator("nav.mainnav a")
                    if language == "en":
                        expect(links).to_have_text(menu)
                    else:
                        expect(links).to_have_count(len(menu))
                    bar = page.locator("header.topbar").bounding_box()
                    assert bar is not None and bar["height"] <= 48, (username, language, width, bar)
                    assert overflowing(page) == [], (username, language, width, overflowing(page))
                    screenshot(page, f"menu-{username}-{language}-{width}")
            set_language(page, live_server, "en")
            page.set_viewport_size({"width": 1024, "height": 800})
            page.goto(f"{live_server.url}/search/")
            page.locator("nav.mainnav").get_by_role("link", name="Call reviews").click()
            expect(page).to_have_url(re.compile(r"/reviews/$"))
            expect(page.locator("nav.mainnav a.active")).to_have_text("Call reviews")
    finally:
        set_language(page, live_server, "en")
        page.set_viewport_size({"width": 1280, "height": 800})
