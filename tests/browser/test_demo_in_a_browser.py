"""A demo that lives, in a browser: the demo book as ``make demo`` makes it (a small one) carries months
of calls, promises and extensions, so a supervisor's approvals page has requests waiting and decisions
with their history, and the cases show their calls and promises."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from collections_app.management.commands.demo_users import demo_users_ensure
from collections_app.models import ExtensionRequest, PromiseToPay
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import log_in
from tests.collections_app.contact_fixtures import dispositions_ensure

pytestmark = pytest.mark.browser
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def demo(transactional_db, monkeypatch):  # type: ignore[no-untyped-def]
    # Shipped by the migrations; a database flushed by an earlier transactional test needs them again
    # (without the extension SOP the demo makes no extension request, and no approval waits).
    presets_ensure()
    dispositions_ensure()
    importlib.import_module("collections_app.migrations.0010_extension_sop_preset").ship(apps, None)
    day = TODAY.isoformat()
    call_command("seed_demo", "--accounts", "400", "--seed", "3", "--months", "4", "--today", day, stdout=StringIO())
    demo_users_ensure(password="pw-secret-123")
    call_command("assign", stdout=StringIO())
    call_command("seed_activity", "--today", day, "--months", "4", stdout=StringIO())
    monkeypatch.setattr(clock, "now", lambda: dt.datetime.combine(TODAY, dt.time(15), tzinfo=dt.UTC))


def test_the_demos_supervisor_finds_extensions_waiting_and_decided_and_cases_with_calls_and_promises(
    demo, browser_page, live_server, screenshot
):
    page = browser_page
    log_in(page, live_server, "supervisor1")
    page.goto(f"{live_server.url}/")
    entry = page.locator(".mainnav a", has_text="Approvals")
    expect(entry.locator(".nav-count")).to_have_text("3")
    entry.click()
    expect(page.locator(".extension-approval")).to_have_count(3)
    decided = page.locator("#recent-decisions tbody tr")
    expect(decided.first).to_be_visible()
    assert decided.count() == min(10, ExtensionRequest.objects.filter(approver__username="supervisor1").count())
    screenshot(page, "demo-approvals")

    applied = ExtensionRequest.objects.filter(status="applied", approver__username="supervisor1").order_by("-decided_at").first()
    assert applied is not None
    page.locator(f"#recent-decisions [data-extension='{applied.pk}']").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{applied.case_id}/$"))
    history = page.locator("#extension-panel .extension-history").first
    expect(history.locator("li")).to_have_count(4)
    expect(history).to_contain_text("Applied: the schedule changed")
    expect(history).to_contain_text("supervisor1")
    screenshot(page, "demo-extension-history")

    # A case's calls and the promise taken on one, judged.
    promise = PromiseToPay.objects.filter(status="kept").order_by("-made_on").first()
    assert promise is not None
    page.goto(f"{live_server.url}/cases/{promise.case_id}/")
    expect(page.locator("main")).to_contain_text("Right-party contact - promise to pay")
    expect(page.locator("main")).to_contain_text(promise.get_status_display())
