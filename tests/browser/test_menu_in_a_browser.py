"""The top bar in a browser: each role's menu, with the longest (a supervisor who is also staff) on one
line at 1024 and 1440 px, in English and in Chinese, its "More" list open inside the window; reviewers
reach the call reviews from it, a supervisor the strategies and the message log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collections_app import roles
from tests.browser.screens import WIDTHS, english_left, overflowing, set_language
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser

MENUS = {
    "ann": (["My queue", "My promises", "Search", "My complaints", "Call reviews"], ["Promises by date", "Messages"]),
    "lee": (["Today", "Search", "Teams", "Approvals", "Complaints", "Call reviews", "Portfolio", "Reports"],
            ["Promises by agent", "Promises by date", "Unworked cases", "Messages", "Admin"]),
    "sue": (["Today", "Search", "Teams", "Approvals", "Complaints", "Call reviews", "Portfolio", "Reports"],
            ["Promises by agent", "Promises by date", "Unworked cases", "Messages", "Strategies", "Admin"]),
}  # fmt: skip


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
        for username, (menu, more) in MENUS.items():
            page.context.clear_cookies()
            log_in(page, live_server, username)
            for language in ("en", "zh-hans"):
                set_language(page, live_server, language)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 800})
                    page.goto(f"{live_server.url}/reviews/")
                    links = page.locator("nav.mainnav > a")
                    listed = page.locator("nav.mainnav .nav-more-menu a")
                    expect(listed.first).to_be_hidden()
                    page.locator("nav.mainnav .nav-more summary").click()
                    expect(listed.first).to_be_visible()
                    if language == "en":
                        expect(links).to_have_text(menu)
                        expect(listed).to_have_text(more)
                    else:
                        expect(links).to_have_count(len(menu))
                        expect(listed).to_have_count(len(more))
                        assert english_left(page, [username, "CW"]) == [], (username, width, english_left(page))
                    bar = page.locator("header.topbar").bounding_box()
                    assert bar is not None and bar["height"] <= 48, (username, language, width, bar)
                    assert overflowing(page) == [], (username, language, width, overflowing(page))
                    window = page.viewport_size["width"]
                    for box in (listed.nth(i).bounding_box() for i in range(len(more))):
                        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= window, (username, box)
                    screenshot(page, f"menu-{username}-{language}-{width}")
                    page.keyboard.press("Escape")
                    expect(listed.first).to_be_hidden()
            set_language(page, live_server, "en")
            page.set_viewport_size({"width": 1024, "height": 800})
            page.goto(f"{live_server.url}/search/")
            page.locator("nav.mainnav").get_by_role("link", name="Call reviews").click()
            expect(page).to_have_url(re.compile(r"/reviews/$"))
            expect(page.locator("nav.mainnav a.active")).to_have_text("Call reviews")
            if username == "sue":
                for label, address in (("Strategies", r"/strategies/$"), ("Messages", r"/messages/$")):
                    page.locator("nav.mainnav .nav-more summary").click()
                    page.locator("nav.mainnav .nav-more-menu").get_by_role("link", name=label).click()
                    expect(page).to_have_url(re.compile(address))
                    expect(page.locator("nav.mainnav .nav-more")).to_have_class(re.compile(r"\bactive\b"))
                    expect(page.locator("nav.mainnav a.active")).to_have_text(label)
    finally:
        set_language(page, live_server, "en")
        page.set_viewport_size({"width": 1280, "height": 800})
