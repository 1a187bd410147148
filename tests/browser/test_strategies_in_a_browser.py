"""Strategies in a browser: a supervisor creates a challenger at 20% of a segment, runs the plan, and
sees both arms side by side on the segment's results page."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import ArmAssignment
from collections_app.services import clock
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.factories import UserFactory
from tests.strategies.book import NOW, account
from tests.strategies.plan_book import open_case

pytestmark = pytest.mark.browser


def test_a_supervisor_runs_a_challenger_at_20_percent_and_sees_both_arms(
    browser_page, live_server, screenshot, monkeypatch
):
    # The shipped strategy again, if a transactional test's flush removed it (data migration 0026).
    importlib.import_module("collections_app.migrations.0026_strategy_preset").ensure_defaults(apps, None)
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    for _ in range(40):
        open_case(account(due_in=-4, dpd=4, bucket="M1"))
    monkeypatch.setattr(clock, "now", lambda: NOW)
    page = browser_page

    log_in(page, live_server, "sue")
    page.goto(f"{live_server.url}/strategies/")
    m1 = page.locator('[data-segment="m1"]')
    expect(m1).to_contain_text("40 accounts today")
    m1.get_by_label("Challenger's name").fill("Early call")
    m1.get_by_label("Share of the segment (%)").fill("20")
    m1.get_by_role("button", name="Create a challenger").click()
    expect(page.locator(".messages")).to_contain_text("Challenger Early call created at 20% of M1 early collection.")
    expect(page.locator('[data-segment="m1"] [data-arm="early-call"]')).to_contain_text("20.00%")

    page.get_by_role("button", name="Run the plan for today").click()
    expect(page.locator(".messages")).to_contain_text("40 accounts given an arm")
    screenshot(page, "strategies-list")

    page.locator('[data-segment="m1"]').get_by_role("link", name="Results").click()
    challengers = ArmAssignment.objects.filter(arm__code="early-call").count()
    assert 0 < challengers < 40
    results = page.locator("#arm-results")
    expect(results.locator('th[data-arm="champion"]')).to_contain_text("Champion")
    expect(results.locator('th[data-arm="early-call"]')).to_contain_text("Early call")
    expect(results.locator('[data-arm="champion"][data-figure="accounts"]')).to_have_text(str(40 - challengers))
    expect(results.locator('[data-arm="early-call"][data-figure="accounts"]')).to_have_text(str(challengers))
    expect(page.get_by_role("button", name="Promote Early call")).to_be_visible()
    screenshot(page, "strategy-results")
