"""Defect 5 and the promise hold in a browser: a case's callback goes with it to the agent a lead
reassigns it to (who sees it due and works it; the old agent no longer sees it), and a case on promise
hold leaves the agent's queue until the promise's date, its screen saying why no call is allowed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from collections_app.models import ContactAttempt
from collections_app.services import clock
from collections_app.services.callbacks import case_callback_schedule
from tests.browser.screens import book_words, check_screen, log_in
from tests.collections_app.contact_fixtures import MORNING, floor_fixture, open_case  # noqa: F401 (fixtures)
from tests.collections_app.promise_book import make_case, promise
from tests.scheduling.conftest import local

pytestmark = pytest.mark.browser
NY = "America/New_York"


@pytest.fixture
def contact_data(transactional_db):  # type: ignore[no-untyped-def]
    """The shipped presets and outcomes, in the live server's (transactional) database."""
    from scheduling.presets import presets_ensure
    from tests.collections_app.contact_fixtures import dispositions_ensure

    presets_ensure()
    dispositions_ensure()


def test_a_reassigned_cases_callback_is_the_new_agents_and_no_longer_the_old_ones(
    floor, browser_page, live_server, monkeypatch, screenshot
):
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    case = open_case(floor.ann)
    callback = case_callback_schedule(case=case, due_at=MORNING + dt.timedelta(hours=1), actor=floor.ann.user, now=MORNING)
    account = case.account.external_id
    page = browser_page

    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/promises/")
    expect(page.locator(f"#callbacks-due [data-callback='{callback.pk}']")).to_contain_text(account)

    # The lead gives the case to bob on the team board.
    page.context.clear_cookies()
    log_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/teams/{case.team_id}/")
    page.get_by_label(account).check()
    page.locator("#bulk-form select[name=action]").select_option("reassign")
    page.locator("#bulk-form select[name=agent]").select_option(label="bob")
    page.locator("#bulk-form").get_by_placeholder("Reason").fill("ann is on leave")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messages")).to_contain_text("1 case updated.")

    # Bob finds the callback due among his, opens the case (no 404) and sees it his.
    page.context.clear_cookies()
    log_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/promises/")
    row = page.locator(f"#callbacks-due [data-callback='{callback.pk}']")
    expect(row).to_contain_text(account)
    row.get_by_role("link", name=account).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    pending = page.locator(f".callback-panel [data-callback='{callback.pk}']")
    expect(pending).to_contain_text("bob")
    screenshot(page, "callback-follows-the-case")
    callbacks = f".callback-panel [data-callback='{callback.pk}']"
    data = [*book_words(), NY, "EDT", "EST", "M1-M2 cash loan deferral", "cash", "ann is on leave"]
    check_screen(page, live_server, f"/cases/{case.pk}/", "account-callback", allowed=data,
                 screenshot=screenshot, ready=lambda p: expect(p.locator(callbacks)).to_be_visible())  # fmt: skip
    check_screen(page, live_server, "/promises/", "callbacks-due", allowed=data, screenshot=screenshot)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    pending.get_by_role("button", name="Done").click()
    expect(page.locator(".callback-panel")).to_contain_text("No callback pending.")

    # Ann no longer has it, and her queue has no link to a case she can no longer open.
    page.context.clear_cookies()
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/promises/")
    expect(page.locator(f"[data-callback='{callback.pk}']")).to_have_count(0)
    expect(page.locator("#callbacks-due")).not_to_contain_text(account)


def test_a_case_on_promise_hold_leaves_the_queue_until_the_promises_date_and_says_why(
    floor, browser_page, live_server, monkeypatch, screenshot
):
    from collections_app.services.promise_policy import promise_policies_ensure

    promise_policies_ensure()
    now = local(NY, 2026, 4, 7, 10)
    monkeypatch.setattr(clock, "now", lambda: now)
    free = make_case(floor.ann, dpd=10)
    held = make_case(floor.ann, dpd=40)  # first in the queue without the hold
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=dt.date(2026, 4, 7), now=now)
    page = browser_page

    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/queue/")
    rows = page.locator("[data-queue-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(free.account.external_id)
    expect(page.locator("#queue-held")).to_contain_text("1 case is on promise hold and out of the queue")
    screenshot(page, "queue-promise-hold")
    check_screen(page, live_server, "/queue/", "queue-promise-hold", allowed=[*book_words(), NY], screenshot=screenshot)

    page.goto(f"{live_server.url}/cases/{held.pk}/")
    panel = page.locator("#compliance-panel")
    expect(panel).to_contain_text("Not now")
    expect(panel.locator("[data-reason='promise_hold']")).to_contain_text(
        "The borrower promised to pay on 2026-04-10: no collection call before then"
    )
    screenshot(page, "account-promise-hold")
    hold = "#compliance-panel [data-reason='promise_hold']"
    data = [*book_words(), NY, "EDT", "EST", "M1-M2 cash loan deferral", "cash"]
    check_screen(page, live_server, f"/cases/{held.pk}/", "account-promise-hold", allowed=data,
                 screenshot=screenshot, ready=lambda p: expect(p.locator(hold)).to_be_visible())  # fmt: skip
    page.goto(f"{live_server.url}/cases/{held.pk}/")
    # Pressing Call anyway is refused with the same reason, and nothing is dialled.
    panel.get_by_role("button", name=re.compile("^Call")).click()
    refusal = page.locator("#call-area .call-refused")
    expect(refusal).to_contain_text("Call refused")
    expect(refusal).to_contain_text("The borrower promised to pay on 2026-04-10")
    expect(page.locator(".dial-number")).to_have_count(0)
    assert not ContactAttempt.objects.filter(case=held).exists()

    # On the promise's date the case is back, first, and callable.
    monkeypatch.setattr(clock, "now", lambda: local(NY, 2026, 4, 10, 10))
    page.goto(f"{live_server.url}/queue/")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(held.account.external_id)
    expect(page.locator("#queue-held")).to_have_count(0)
    page.goto(f"{live_server.url}/cases/{held.pk}/")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    expect(page.locator("#compliance-panel [data-reason='promise_hold']")).to_have_count(0)
