"""An agent records a promise after a call; the payment arrives, the settle job runs, the case shows it kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collections_app.models import ContactAttempt, PromiseToPay
from collections_app.selectors.promises import borrower_today
from collections_app.services.promise_matching import promises_settle
from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.presets import presets_ensure
from tests.browser.screens import book_words, check_screen
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.promise_book import make_case, pay
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser


def test_an_agent_records_a_promise_from_a_call_and_sees_it_kept_after_the_payment(
    browser_page, live_server, screenshot
):
    presets_ensure()
    promise_policies_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = make_case(ann, overdue=Decimal("400.00"))
    call = ContactAttempt.objects.create(
        case=case, account=case.account, phone=case.account.borrower.phones.get(), agent=ann.user,
        placed_at=timezone.now() - dt.timedelta(minutes=5), status=ContactAttempt.Status.COMPLETED,
        right_party_contact=True, conversation=True,
    )  # fmt: skip
    today = borrower_today(case.account.borrower)
    promised_on = today + dt.timedelta(days=3)

    log_in(browser_page, live_server, "ann")
    browser_page.goto(f"{live_server.url}/cases/{case.pk}/promises/")
    panel = browser_page.locator(".promise-panel")
    expect(panel).to_contain_text("At least 40.00 USD (10% of the overdue 400.00).")
    expect(panel).to_contain_text("From the call placed at")
    browser_page.get_by_label("Date", exact=True).fill(promised_on.isoformat())
    browser_page.get_by_label("Amount (USD)", exact=True).fill("150.00")
    browser_page.get_by_role("button", name="Record the promise").click()

    expect(panel.locator("p.saved")).to_have_text("Promise of 150.00 USD recorded.")
    expect(panel.locator(".promise-open")).to_contain_text(promised_on.isoformat())
    screenshot(browser_page, "promise-recorded")
    taken = PromiseToPay.objects.get(case=case)
    assert (taken.amount, taken.attempt_id, taken.status) == (Decimal("150.00"), call.pk, "open")

    pay(case, "150.00", on=today, hour=0)  # received this morning (a payment is never in the future)
    promises_settle(today=promised_on + dt.timedelta(days=3))
    browser_page.reload()

    row = browser_page.locator(f"[data-promise-row='{taken.pk}']")
    expect(row.locator(".promise-status")).to_have_text("Kept")
    expect(row).to_contain_text("150.00")
    expect(browser_page.locator(".promise-form")).to_be_visible()  # the next promise may be recorded
    screenshot(browser_page, "promise-kept")
    # The agent's promises and the promise panel on the account screen, at both widths in both languages.
    check_screen(browser_page, live_server, "/promises/", "my-promises", allowed=book_words(), screenshot=screenshot)
    data = [*book_words(), "America/New_York", "EDT", "EST", "M1-M2 cash loan deferral", "cash"]
    check_screen(browser_page, live_server, f"/cases/{case.pk}/", "account-promise-kept", allowed=data,
                 screenshot=screenshot, ready=lambda page: expect(page.locator(".promise-open, [data-promise-row]").first).to_be_visible())  # fmt: skip
