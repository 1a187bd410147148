"""The team board: filters, sort, several cases reassigned at once, "not called today", and balances
per currency (never USD and CNY added together)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from collections_app.models import Case, ContactAttempt
from collections_app.services import clock
from tests.factories import LoanFactory, UserFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def at_three_pm(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def board():  # type: ignore[no-untyped-def]
    """ann: three USD cases (one called today, one yesterday, one never) and a CNY case; bob one locked M2 case."""
    team = make_team("Early", ["M1", "M2"])
    ann, bob = make_agent(team, "ann"), make_agent(team, "bob")
    lead = UserFactory(username="lee")
    lead.groups.add(Group.objects.get_or_create(name="team_lead")[0])
    team.lead = lead
    team.save()
    today, yesterday, never = make_open_cases([Decimal("100.00"), Decimal("300.00"), Decimal("200.00")], agent=ann)
    Case.objects.filter(pk=never.pk).update(dpd=25)
    cny = LoanFactory(currency="CNY", bucket="M1", dpd=12, overdue_amount=Decimal("5000.00"))
    yuan = Case.objects.create(
        account=cny, bucket="M1", dpd=12, overdue_amount=Decimal("5000.00"), opened_on="2026-03-01", agent=ann, team=team
    )
    (locked,) = make_open_cases([Decimal("50.00")], agent=bob, bucket="M2", locked=True)
    for case, at in ((today, NOW - dt.timedelta(hours=2)), (yesterday, NOW - dt.timedelta(days=1))):
        ContactAttempt.objects.create(
            case=case, account=case.account, agent=ann.user, placed_at=at, status=ContactAttempt.Status.COMPLETED
        )
    client = Client()
    client.force_login(lead)
    return {"team": team, "ann": ann, "bob": bob, "client": client, "today": today, "yesterday": yesterday,
            "never": never, "yuan": yuan, "locked": locked}


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)">', html)]


def get(board, **params) -> str:  # type: ignore[no-untyped-def]
    return board["client"].get(f"/teams/{board['team'].pk}/", params).content.decode()


def test_not_called_today_lists_the_cases_without_a_call_since_midnight_and_counts_them(board):
    html = get(board, untouched="1")

    assert set(listed(html)) == {board["yesterday"].pk, board["never"].pk, board["yuan"].pk, board["locked"].pk}
    assert "4 cases not called today" in html
    ann_row = re.search(r'<tr data-agent="ann">.*?</tr>', get(board), re.S).group(0)
    assert f'?agent={board["ann"].pk}&amp;untouched=1">3</a>' in ann_row


def test_filters_by_agent_bucket_and_lock_combine(board):
    assert listed(get(board, agent=board["ann"].pk, bucket="M1")) == listed(get(board, agent=board["ann"].pk))
    assert listed(get(board, bucket="M2")) == [board["locked"].pk]
    assert listed(get(board, locked="yes")) == [board["locked"].pk]
    assert board["locked"].pk not in listed(get(board, locked="no"))


def names(board, order):  # type: ignore[no-untyped-def]
    by_pk = {board[name].pk: name for name in ("today", "yesterday", "never", "yuan", "locked")}
    return [by_pk[pk] for pk in order]


def test_the_list_sorts_by_days_past_due_and_by_overdue_amount(board):
    assert names(board, listed(get(board, sort="dpd")))[:2] == ["never", "yuan"]
    assert names(board, listed(get(board, sort="overdue")))[:3] == ["yuan", "yesterday", "never"]


def test_sorted_by_last_call_the_cases_never_called_come_first_then_the_oldest_call(board):
    order = names(board, listed(get(board, sort="last_call")))

    assert set(order[:3]) == {"never", "yuan", "locked"}
    assert order[3:] == ["yesterday", "today"]


def test_several_cases_are_reassigned_at_once_with_the_reason_and_the_filter_is_kept(board):
    chosen = [board["yesterday"].pk, board["never"].pk]

    response = board["client"].post(
        f"/teams/{board['team'].pk}/?untouched=1",
        {"action": "reassign", "agent": board["bob"].pk, "cases": chosen, "reason": "ann is swamped"},
    )

    assert response.status_code == 302 and response["Location"].endswith("?untouched=1")
    assert set(Case.objects.filter(pk__in=chosen).values_list("agent__user__username", flat=True)) == {"bob"}


def test_balances_are_shown_per_currency_and_never_added_across(board):
    html = get(board)

    ann_row = re.search(r'<tr data-agent="ann">.*?</tr>', html, re.S).group(0)
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", ann_row))
    assert "600.00 USD" in cells and "5,000.00 CNY" in cells
    assert "5,600.00" not in html
    assert "Mean per active agent" in html and "325.00 USD overdue." in html and "2,500.00 CNY overdue." in html


def test_the_board_reads_a_fixed_number_of_queries_whatever_the_team(board, django_assert_max_num_queries):
    get(board)
    make_open_cases([Decimal("10.00")] * 30, agent=board["bob"])

    # session, user, roles, the menu's approvals; the team; the list's count and page; buckets, agents, balances,
    # cases not called today, cases without an agent; the book's unworked count; the agents to reassign to
    with django_assert_max_num_queries(14):
        html = get(board)

    assert len(listed(html)) == 35
