"""The account screen's summary in a browser: the first thing an agent reads, at the top, at 1024 and
1440 pixels wide, in English and in Chinese, each loan in its own currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import WIDTHS, check_screen, log_in, set_language
from tests.collections_app.contact_fixtures import dispositions_ensure
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import loan_with_schedule, make_agent, make_team
from tests.scheduling.conftest import local

pytestmark = pytest.mark.browser
NY = "America/New_York"


def test_the_summary_is_at_the_top_fits_both_widths_and_reads_in_both_languages(
    browser_page, live_server, monkeypatch, screenshot
):
    presets_ensure()
    dispositions_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = make_case(ann)
    pay(case, "100.00", dt.date(2026, 3, 20))
    promise(case, (dt.date(2026, 4, 10), "150.00"), today=dt.date(2026, 4, 7), now=local(NY, 2026, 4, 7, 9))
    borrower = case.account.borrower
    loan_with_schedule(first_due=dt.date(2026, 2, 1), count=3, principal=Decimal("1000.00"),
                       interest=Decimal("0.00"), borrower=borrower, external_id="L-CNY-3", currency="CNY")
    monkeypatch.setattr(clock, "now", lambda: local(NY, 2026, 4, 7, 10))
    page = browser_page

    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    summary = page.locator("#account-summary")
    expect(summary.locator('[data-figure="due-now"]')).to_contain_text("560.00 USD")
    expect(summary.locator('[data-figure="payoff"]')).to_contain_text("1,160.00 USD")
    expect(summary.locator('[data-figure="last-payment"]')).to_contain_text("100.00 USD on 2026-03-20")
    expect(summary.locator('[data-figure="promise"]')).to_contain_text("due in 3 days")
    expect(summary.locator('#other-loans [data-loan="L-CNY-3"]')).to_contain_text("3,000.00 CNY")
    expect(summary.locator('#other-loans [data-total="CNY"]')).to_contain_text("3,000.00 CNY")
    expect(summary.locator("#other-loans [data-total]")).to_have_count(1)  # no USD total: no other USD loan

    for language, label in (("en", "Total due now"), ("zh-hans", "当前应还合计")):
        set_language(page, live_server, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/cases/{case.pk}/")
            expect(summary.locator('[data-figure="due-now"]')).to_contain_text(label)
            # at the top: its figures are read without scrolling, before the compliance panel
            box = summary.locator("dl.summary-figures").bounding_box()
            assert box is not None and box["y"] + box["height"] < 900, (language, width, box)
            assert box["y"] < page.locator("#compliance-panel").bounding_box()["y"]
    set_language(page, live_server, "en")

    account = case.account
    data = [borrower.name, account.external_id, account.product, borrower.timezone, "ann", "M1", "Team",
            "EDT", "EST", "L-CNY-3", "M1-M2 cash loan deferral"]
    check_screen(page, live_server, f"/cases/{case.pk}/", "account-summary", allowed=data, screenshot=screenshot,
                 ready=lambda page: page.locator(".callback-panel form, .callback-panel p").first.wait_for())
