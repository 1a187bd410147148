"""The team lead's and supervisor's screens in a browser: Today, live refreshing itself, the team board's
filters and bulk reassignment, unworked cases, the promises pipeline; each at 1024 and 1440 px, in both
languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import Case, ContactAttempt
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen, log_in
from tests.collections_app.extension_book import user_with_role
from tests.collections_app.promise_book import make_case, promise
from tests.factories import LoanFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.browser


@pytest.fixture
def now(monkeypatch):  # type: ignore[no-untyped-def]
    """The screens stand at 15:00 UTC today (the live server runs in this process)."""
    instant = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: instant)
    return instant


@pytest.fixture
def floor(now):  # type: ignore[no-untyped-def]
    """Team Early (lead lee): ann with a case called an hour and a half ago and two open promises, bob idle;
    an M4 case no team serves."""
    from collections_app.services.promise_policy import promise_policies_ensure

    presets_ensure()
    promise_policies_ensure()
    roles.roles_ensure()
    early = make_team("Early", ["M1"])
    ann, bob = make_agent(early, "ann"), make_agent(early, "bob")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    early.lead = lee
    early.save()
    first = make_case(ann, overdue=Decimal("800.00"))
    second = make_case(ann, overdue=Decimal("600.00"))
    make_case(bob, overdue=Decimal("300.00"))
    ContactAttempt.objects.create(case=first, account=first.account, agent=ann.user, status="completed",
                                  placed_at=now - dt.timedelta(minutes=90))
    today = timezone.localdate()
    promise(first, (today + dt.timedelta(days=2), "200.00"), today=today)
    promise(second, (today + dt.timedelta(days=5), "100.00"), today=today)
    make_open_cases([Decimal("60.00")], bucket="M4")
    names = [c.account.borrower.name for c in Case.objects.select_related("account__borrower")]
    accounts = [c.account.external_id for c in Case.objects.select_related("account")]
    return {"early": early, "ann": ann, "bob": bob, "lee": lee, "first": first,
            "data": [*names, *accounts, "ann", "bob", "lee", "sue", "Early", "M1", "M4"]}


def test_today_live_refreshes_itself_when_an_agent_logs_a_call(
    browser_page, live_server, screenshot, floor, settings, now
):
    settings.TODAY_REFRESH_SECONDS = 1
    page = browser_page

    log_in(page, live_server, "lee")
    expect(page).to_have_url(f"{live_server.url}/today/")
    ann = page.locator('tr[data-agent="ann"]')
    expect(ann.locator("td").nth(2)).to_have_text("1")
    expect(ann).to_contain_text("no call for an hour")
    expect(page.locator("#tile-idle .tile-figure")).to_have_text("2")
    page.evaluate("window.notReloaded = true")

    ContactAttempt.objects.create(case=floor["first"], account=floor["first"].account, agent=floor["ann"].user,
                                  status="completed", right_party_contact=True, placed_at=now)

    expect(ann.locator("td").nth(2)).to_have_text("2", timeout=5000)
    expect(ann).not_to_contain_text("no call for an hour")
    expect(page.locator("#tile-idle .tile-figure")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not reloaded
    settings.TODAY_REFRESH_SECONDS = 3600
    check_screen(page, live_server, "/today/", "today", allowed=floor["data"], screenshot=screenshot)


def test_a_lead_filters_the_board_to_cases_not_called_today_and_reassigns_them_all(
    browser_page, live_server, screenshot, floor
):
    page = browser_page
    log_in(page, live_server, "lee")
    page.goto(f"{live_server.url}/teams/{floor['early'].pk}/")

    page.locator("#board-filters").get_by_label("Not called today").check()
    page.locator("#board-filters").get_by_role("button", name="Show").click()
    rows = page.locator("#case-list tbody tr")
    expect(rows).to_have_count(2)  # ann's first case was called at 13:30
    page.locator("[data-select-all]").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.locator("#bulk-form select[name=action]").select_option("reassign")
    page.locator("#bulk-form select[name=agent]").select_option(label="bob")
    page.locator("#bulk-form").get_by_placeholder("Reason").fill("ann is in training")
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.locator(".messages")).to_contain_text("2 cases updated.")
    assert set(Case.objects.exclude(pk=floor["first"].pk).filter(team=floor["early"])
               .values_list("agent__user__username", flat=True)) == {"bob"}
    check_screen(page, live_server, f"/teams/{floor['early'].pk}/", "team-board", allowed=floor["data"],
                 screenshot=screenshot)


def test_a_supervisor_finds_the_unworked_cases_from_today_and_reads_the_pipeline(
    browser_page, live_server, screenshot, floor
):
    user_with_role("sue", roles.SUPERVISOR)
    page = browser_page
    log_in(page, live_server, "sue")

    page.locator("#tile-unassigned").click()
    expect(page.get_by_role("heading", name="Unworked cases")).to_be_visible()
    expect(page.locator("#unserved-buckets")).to_contain_text("No team serves M2, M3, M4, M5, M6, M6+")
    expect(page.locator("#case-list tbody tr")).to_have_count(1)
    check_screen(page, live_server, "/cases/unworked/", "unworked", allowed=floor["data"], screenshot=screenshot)

    page.goto(f"{live_server.url}/promises/pipeline/")
    expect(page.locator(".pipeline-day")).to_have_count(2)
    expect(page.locator("#pipeline-totals")).to_contain_text("300.00")
    check_screen(page, live_server, "/promises/pipeline/", "pipeline", allowed=floor["data"], screenshot=screenshot)


def test_the_team_board_shows_each_agents_balance_per_currency_never_usd_and_cny_added(
    browser_page, live_server, screenshot, floor
):
    """Defect 7 on the team board: ann holds 1,400.00 USD and a 5,000.00 CNY case; her balance reads
    both, one line each, and the means are per currency; nowhere 6,400.00."""
    yuan = LoanFactory(currency="CNY", bucket="M1", dpd=12, overdue_amount=Decimal("5000.00"))
    Case.objects.create(account=yuan, bucket="M1", dpd=12, overdue_amount=Decimal("5000.00"),
                        opened_on=timezone.localdate(), agent=floor["ann"], team=floor["early"])  # fmt: skip
    page = browser_page
    log_in(page, live_server, "lee")
    page.goto(f"{live_server.url}/teams/{floor['early'].pk}/")

    balance = page.locator('#team-board tr[data-agent="ann"] td').nth(5)
    expect(balance.locator(".amount")).to_have_text(["5,000.00 CNY", "1,400.00 USD"])  # the larger first
    expect(page.locator('#team-board tr[data-agent="bob"] td').nth(5).locator(".amount")).to_have_text(["300.00 USD"])
    ratios = page.locator('#team-board tr[data-agent="ann"] td').nth(6)
    expect(ratios.locator(".currency")).to_have_count(2)
    expect(ratios).to_contain_text("USD")
    expect(ratios).to_contain_text("CNY")
    head = page.locator(".page-head")
    expect(head).to_contain_text("850.00 USD overdue.")
    expect(head).to_contain_text("2,500.00 CNY overdue.")
    assert "6,400.00" not in page.locator("main").inner_text()
    check_screen(page, live_server, f"/teams/{floor['early'].pk}/", "team-board-currencies",
                 allowed=[*floor["data"], yuan.external_id, yuan.borrower.name], screenshot=screenshot)  # fmt: skip
