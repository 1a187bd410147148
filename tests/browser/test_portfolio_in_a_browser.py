from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collections_app import roles
from tests.factories import UserFactory
from tests.web.book import small_book_with_two_cobs

pytestmark = pytest.mark.browser

PASSWORD = "pw-secret-123"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_supervisor_logs_in_and_reads_the_bucket_table_of_the_latest_close(browser_page, live_server, screenshot):
    small_book_with_two_cobs()
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])

    log_in(browser_page, live_server, "sue")
    expect(browser_page).to_have_url(re.compile(r"/today/$"))
    browser_page.get_by_role("link", name="Portfolio").click()

    expect(browser_page).to_have_url(re.compile(r"/portfolio/$"))
    expect(browser_page.get_by_role("heading", name="Portfolio by bucket")).to_be_visible()
    expect(browser_page.locator(".page-head")).to_contain_text("2026-03-03")
    table = browser_page.locator("#bucket-table-USD")
    m1 = table.locator("tbody tr", has_text="M1")
    expect(m1).to_contain_text("4,300.00")
    expect(m1).to_contain_text("\u221250.0%")
    expect(table.locator("tfoot tr").last).to_contain_text("Total")
    expect(browser_page.get_by_role("link", name="Portfolio")).to_have_attribute("aria-current", "page")
    screenshot(browser_page, "portfolio")


def test_the_login_page_switches_to_simplified_chinese(browser_page, live_server, screenshot):
    browser_page.goto(f"{live_server.url}/login/")

    browser_page.get_by_role("button", name="简体中文").click()

    expect(browser_page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(browser_page.get_by_role("heading", name="登录")).to_be_visible()
    expect(browser_page.get_by_text("请使用工作账户登录。")).to_be_visible()
    screenshot(browser_page, "login-zh-hans")
