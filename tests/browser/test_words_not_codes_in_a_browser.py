"""Defect 9 in a browser: the account screen and the approvals page name outcomes, statuses and reasons
in words, in English and in Chinese, never by their codes (``rpc_promise``, ``job_loss``) or as ISO
timestamps."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import ContactAttempt, DispositionCode
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import log_in, set_language
from tests.collections_app.contact_fixtures import dispositions_ensure
from tests.collections_app.extension_book import an_agent, eligible_case, submitted, user_with_role

pytestmark = pytest.mark.browser
NOW = dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC)
CODES = re.compile(r"\b(rpc_promise|job_loss|right_party|submitted|promise_to_pay|no_answer)\b")
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_the_account_screen_and_the_approvals_read_words_not_codes_in_both_languages(
    browser_page, live_server, monkeypatch, screenshot
):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    presets_ensure()
    dispositions_ensure()
    roles.roles_ensure()
    ann = an_agent("ann")
    case = eligible_case(ann, penalty="60.00")
    ContactAttempt.objects.create(
        case=case, account=case.account, phone=case.account.borrower.phones.first(), agent=ann.user,
        placed_at=NOW - dt.timedelta(hours=2), ended_at=NOW - dt.timedelta(hours=2) + dt.timedelta(minutes=4),
        talk_seconds=240, status=ContactAttempt.Status.COMPLETED, right_party_contact=True, conversation=True,
        disposition=DispositionCode.objects.get(code="rpc_promise"),
    )  # fmt: skip
    submitted(case, ann.user)  # hardship reason job_loss, waiting for a supervisor
    user_with_role("sue", roles.SUPERVISOR)
    page = browser_page

    log_in(page, live_server, "sue")
    for language, outcome in (("en", "Right-party contact - promise to pay"), ("zh-hans", None)):
        set_language(page, live_server, language)
        for path in (f"/cases/{case.pk}/", "/extensions/approvals/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            text = page.locator("main").inner_text()
            assert CODES.findall(text) == [], (path, language, CODES.findall(text))
            assert ISO_TIMESTAMP.findall(text) == [], (path, language)
            if path.startswith("/cases/") and outcome:
                expect(page.locator("main")).to_contain_text(outcome)
                expect(page.locator("main")).to_contain_text("Lost their job")
            screenshot(page, f"words-not-codes-{language}-{path.strip('/').replace('/', '-')}")
    set_language(page, live_server, "en")
