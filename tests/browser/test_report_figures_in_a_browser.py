"""Defects 6, 7 and 8 in a browser: the roll matrix opens on the last complete month with the running
one marked, amounts per currency on the portfolio and the reports, and the date filters filled in
Chinese; the portfolio and report pages at 1024 and 1440 px in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.reports.jobs import reports_aggregate_range
from collections_app.services.close import book_close
from tests.browser.screens import check_screen, log_in, set_language
from tests.factories import BorrowerFactory, PhoneFactory, UserFactory, loan_with_schedule
from tests.reports.book import FIRST_DAY, LAST_DAY, reports_book

pytestmark = pytest.mark.browser
MAY_FIRST = LAST_DAY + dt.timedelta(days=1)
DATA = ["sue", "ann", "bob", "cat", "Early", "Late", "cash", "instalment", "USD", "CNY", "PAID", "SETTLED"]


@pytest.fixture
def book_into_may():  # type: ignore[no-untyped-def]
    borrower = BorrowerFactory(external_id="B-YUAN")
    PhoneFactory(borrower=borrower, number="+12125559999")
    loan_with_schedule(first_due=dt.date(2026, 1, 10), external_id="YUAN", product="cash", currency="CNY",
                       borrower=borrower)
    reports_book(calls=False)
    book_close(business_date=MAY_FIRST)
    reports_aggregate_range(first=FIRST_DAY, last=MAY_FIRST)
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])


def test_a_supervisor_reads_the_book_per_currency_on_the_last_complete_month_in_both_languages(
    browser_page, live_server, screenshot, book_into_may
):
    page = browser_page
    log_in(page, live_server, "sue")

    # The portfolio: one table per currency, the CNY loan apart.
    page.goto(f"{live_server.url}/portfolio/")
    expect(page.locator(".currency-book")).to_have_count(2)
    cny = page.locator("#bucket-table-CNY")
    expect(cny.locator("tbody tr", has_text="M4")).to_contain_text("1,200.00")
    expect(cny.locator("thead")).to_contain_text("Overdue amount (CNY)")
    check_screen(page, live_server, "/portfolio/", "portfolio", allowed=DATA, screenshot=screenshot)

    # The report opens on April, the last complete month; May is offered as incomplete.
    page.goto(f"{live_server.url}/reports/")
    expect(page.locator("#matrix-month option:checked")).to_have_text("2026-04")
    expect(page.locator("#matrix-month option[value='2026-05']")).to_have_text("2026-05 (incomplete: to 2026-05-01)")
    expect(page.locator("#flow-rates tbody tr").last).to_contain_text("incomplete: to 2026-05-01")
    labels = page.evaluate("JSON.parse(document.getElementById('flow-chart-data').textContent).labels")
    assert labels[-1] == "2026-04"
    page.locator("#matrix-month").select_option("2026-05")
    expect(page.locator(".incomplete-month")).to_contain_text("This month is not over")

    # Switching to the CNY loans keeps the dates and names the currency in the money headings.
    page.locator(".report-filters select[name=currency]").select_option("CNY")
    page.locator(".report-filters").get_by_role("button", name="Apply").click()
    expect(page.locator("#bucket-balances thead")).to_contain_text("Outstanding principal (CNY)")
    expect(page.locator(".report-filters input[name=first]")).to_have_value("2025-12-01")

    # In Chinese the date filters hold the dates (they were empty: 2026/05/01 is no date for the input).
    set_language(page, live_server, "zh-hans")
    for path in ("/reports/", "/reports/agents/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".report-filters input[name=first]")).to_have_value("2025-12-01")
        expect(page.locator(".report-filters input[name=last]")).to_have_value("2026-05-01")
    set_language(page, live_server, "en")
    for path, name in (("/reports/", "reports-portfolio"), ("/reports/agents/", "reports-agents"),
                       ("/reports/forecast/", "reports-forecast"), ("/reports/promises/", "reports-promises")):
        check_screen(page, live_server, path, name, allowed=DATA, screenshot=screenshot)
