from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.reports.jobs import reports_aggregate_range
from tests.factories import UserFactory
from tests.reports.book import FIRST_DAY, LAST_DAY, reports_book

pytestmark = pytest.mark.browser

PASSWORD = "pw-secret-123"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def chart_drawn(page, canvas_id: str) -> bool:
    return page.evaluate(
        "id => { const c = document.getElementById(id); return !!(c && window.Chart && window.Chart.getChart(c)); }",
        canvas_id,
    )


def test_a_supervisor_reads_the_portfolio_dashboard_drills_from_m1_to_m2_and_exports_the_cases(
    browser_page, live_server, screenshot
):
    # Given four months of the book, closed every night and aggregated.
    reports_book(calls=False)
    reports_aggregate_range(first=FIRST_DAY, last=LAST_DAY)
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    page = browser_page

    # When the supervisor opens the reports and picks February's roll matrix.
    log_in(page, live_server, "sue")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Portfolio report")).to_be_visible()
    page.get_by_label("Month", exact=True).select_option("2026-02")
    expect(page.locator(".matrix-head")).to_contain_text("2026-01-31")

    # Then every chart is drawn by Chart.js from the app's own static files.
    for canvas in ("bucket-chart", "flow-chart", "cure-chart", "entry-chart", "exit-chart"):
        expect(page.locator(f"canvas#{canvas}")).to_have_attribute("data-chart-ready", "true")
        assert chart_drawn(page, canvas), canvas
    matrix = page.locator("#roll-matrix-balance")
    m1_row = matrix.locator("tbody tr", has=page.locator("th", has_text=re.compile(r"^M1$")))
    columns = matrix.locator("thead th").all_inner_texts()
    m1_to_m2 = m1_row.locator("td").nth(columns.index("M2") - 1).get_by_role("link")
    expect(m1_to_m2).to_have_text("78.7%")  # 4,720.00 of the 6,000.00 in M1 at the end of January
    screenshot(page, "reports-portfolio")

    # When the M1 -> M2 figure is followed, then the accounts that rolled are listed.
    m1_to_m2.click()
    expect(page.get_by_role("heading", name="M1 → M2 in 2026-02")).to_be_visible()
    listed = page.locator("#cases tbody th").all_inner_texts()
    assert sorted(listed) == ["CHARGED", "CUREM2", "NEVER", "PARTIAL"]
    screenshot(page, "reports-drill-down")

    # And the list downloads as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "cases-flow.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["Account", "Product"]
    assert sorted(row[0] for row in rows[1:]) == ["CHARGED", "CUREM2", "NEVER", "PARTIAL"]
