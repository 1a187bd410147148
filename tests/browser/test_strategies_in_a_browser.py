"""Strategies in a browser: a supervisor creates a challenger at 20% of a segment, runs the plan, and
sees both arms side by side on the segment's results page."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from collections_app import roles, tasks
from collections_app.models import ArmAssignment, PlanRequest
from collections_app.services import clock
from tests.browser.screens import book_words, check_screen
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
    # Queued for a worker (here the in-process one of a machine with no broker), finished when the page returns.
    asked = page.locator("#plan-run [data-plan-request]")
    expect(asked).to_have_attribute("data-status", "finished")
    expect(asked).to_contain_text("40 accounts given an arm")
    screenshot(page, "strategies-list")
    check_screen(page, live_server, "/strategies/", "strategies", allowed=[*book_words(), "Early call"],
                 screenshot=screenshot)  # fmt: skip
    page.goto(f"{live_server.url}/strategies/")  # in English again

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
    check_screen(page, live_server, "/strategies/standard/m1/results/", "strategy-results",
                 allowed=[*book_words(), "Early call"], screenshot=screenshot)  # fmt: skip


def test_the_plan_queued_for_a_worker_shows_queued_then_what_it_did_without_a_reload(
    browser_page, live_server, screenshot, monkeypatch
):
    importlib.import_module("collections_app.migrations.0026_strategy_preset").ensure_defaults(apps, None)
    UserFactory(username="sue").groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    for _ in range(3):
        open_case(account(due_in=-4, dpd=4, bucket="M1"))
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(tasks.plan_run_task, "delay", lambda **kwargs: None)  # a worker that has not started yet
    page = browser_page

    log_in(page, live_server, "sue")
    page.goto(f"{live_server.url}/strategies/")
    page.get_by_role("button", name="Run the plan for today").click()
    expect(page.locator(".messages")).to_contain_text("queued; this page shows when it has run.")
    asked = page.locator("#plan-run [data-plan-request]")
    expect(asked).to_have_attribute("data-status", "queued")
    expect(asked).to_contain_text("waiting for a worker.")
    check_screen(page, live_server, "/strategies/", "strategies-queued", allowed=book_words(), screenshot=screenshot)
    page.goto(f"{live_server.url}/strategies/")
    page.evaluate("window.notReloaded = true")

    tasks.plan_run_task(request_id=PlanRequest.objects.get().pk)  # the worker runs it

    expect(asked).to_have_attribute("data-status", "finished", timeout=10_000)  # the panel polls every 3 s
    expect(asked).to_contain_text("3 accounts given an arm, 3 actions recorded, 0 stopped.")
    assert page.evaluate("window.notReloaded") is True
