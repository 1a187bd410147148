"""Every agent KPI of DESIGN.md section 9 agrees with its definition, per day and over a period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Q

from accounts.models import Payment
from collections_app.models import (
    Case,
    Complaint,
    ContactAttempt,
    Message,
    PromiseToPay,
    QaReview,
    ReportAgentDay,
    ReportAgentMonth,
)
from collections_app.reports import selectors
from collections_app.reports.definitions import dates_in
from collections_app.reports.selectors import agents as agent_selectors
from collections_app.reports.tables import Rate
from tests.reports import definitions
from tests.reports.book import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

JUDGED = ("kept", "partially_kept", "broken")


def calls_of(user_id: int, first: dt.date, last: dt.date) -> list[ContactAttempt]:
    return [
        call
        for call in ContactAttempt.objects.filter(agent_id=user_id, channel="call").exclude(status="not_dialed")
        .select_related("disposition")
        if first <= call.placed_at.date() <= last  # the book's calendar is UTC in the tests
    ]


def plain_kpis(user_id: int, first: dt.date, last: dt.date) -> dict[str, Any]:
    """The agent's figures for ``first``..``last`` straight from calls, promises, payments and cases."""
    calls = calls_of(user_id, first, last)
    outbound = [c for c in calls if c.direction == "outbound"]
    contact = [
        c for c in outbound
        if c.right_party_contact or (c.disposition and c.disposition.category in ("right_party", "third_party"))
    ]
    logged = 0
    by_day: dict[dt.date, list[ContactAttempt]] = defaultdict(list)
    for call in calls:
        by_day[call.placed_at.date()].append(call)
    for day_calls in by_day.values():
        logged += int((max(c.ended_at or c.placed_at for c in day_calls) - min(c.placed_at for c in day_calls)).total_seconds())
    made = PromiseToPay.objects.filter(agent__user_id=user_id, made_on__range=(first, last)).exclude(status="cancelled")
    judged = PromiseToPay.objects.filter(agent__user_id=user_id, settled_on__range=(first, last), status__in=JUDGED)
    held = Case.objects.filter(agent__user_id=user_id)
    collected = Decimal(0)
    for payment in Payment.objects.filter(value_date__range=(first, last), status="posted"):
        case = (
            Case.objects.filter(account_id=payment.loan_id, opened_on__lte=payment.value_date, agent__isnull=False)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=payment.value_date))
            .order_by("-opened_on").first()
        )
        if case is not None and case.agent.user_id == user_id:
            collected += payment.amount
    return {
        "attempts": len(outbound),
        "contacts": len(contact),
        "right_party_contacts": sum(1 for c in outbound if c.right_party_contact),
        "talk_seconds": sum(c.talk_seconds for c in calls),
        "handled_calls": sum(1 for c in calls if c.talk_seconds > 0),
        "logged_seconds": logged,
        "ptps": made.count(),
        "ptp_amount": sum((p.amount for p in made), Decimal(0)),
        "ptps_due": judged.count(),
        "ptps_kept": judged.filter(status="kept").count(),
        "ptps_partially_kept": judged.filter(status="partially_kept").count(),
        "ptps_broken": judged.filter(status="broken").count(),
        "collected_amount": collected,
        "cases_open_at_start": held.filter(opened_on__lt=first).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=first)).count(),
        "cases_opened": held.filter(opened_on__range=(first, last)).count(),
        "cases_cured": held.filter(closed_on__range=(first, last), close_reason="cured").count(),
        **quality_kpis(user_id, first, last),
    }


def quality_kpis(user_id: int, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Complaints about the agent received in the period, and the reviews of their calls scored in it."""
    complaints = [c for c in Complaint.objects.filter(agent_id=user_id) if first <= c.received_at.date() <= last]
    reviews = [
        r for r in QaReview.objects.filter(agent_id=user_id, status="scored")
        if r.scored_at is not None and first <= r.scored_at.date() <= last
    ]
    return {
        "complaints": len(complaints),
        "qa_reviews": len(reviews),
        "qa_score_total": sum((r.score or Decimal(0) for r in reviews), Decimal(0)),
        "qa_failed": sum(1 for r in reviews if not r.passed),
        # Texts and e-mails handed to the provider in the period (the book's calendar is UTC in the tests).
        "messages_sent": sum(
            1 for m in Message.objects.filter(agent_id=user_id, sent_at__isnull=False) if first <= m.sent_at.date() <= last
        ),
    }


def stored(row: agent_selectors.Efficiency) -> dict[str, Any]:
    return {**{key: row.sums[key] for key in row.sums}, "logged_seconds": row.logged_seconds}


def test_every_agent_kpi_over_the_whole_period_matches_its_definition(book):
    filters = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY)
    rows = {row.key: row for row in agent_selectors.efficiency(filters, "agent")}

    for name, agent in book.agents.items():
        plain = plain_kpis(agent.user_id, FIRST_DAY, LAST_DAY)
        row = rows[agent.user_id]
        assert stored(row) == plain, name
        # The rates the dashboard shows, from the same numerators and denominators.
        assert row.rate("contacts", "attempts").value == Decimal(plain["contacts"]) / plain["attempts"]
        assert row.rate("ptps", "right_party_contacts").value == Decimal(plain["ptps"]) / plain["right_party_contacts"]
        assert row.attempts_per_hour == (Decimal(plain["attempts"]) * 3600 / plain["logged_seconds"]).quantize(Decimal("0.1"))
        assert row.aht == round(plain["talk_seconds"] / plain["handled_calls"])
        cases = plain["cases_open_at_start"] + plain["cases_opened"]
        assert Rate(row.sums["cases_cured"], row.cases).value == (Decimal(plain["cases_cured"]) / cases if cases else None)
    everyone = [plain_kpis(agent.user_id, FIRST_DAY, LAST_DAY) for agent in book.agents.values()]
    # The book exercises every figure, so none of the comparisons above is vacuous.
    for key in ("attempts", "contacts", "right_party_contacts", "ptps", "ptps_kept", "ptps_broken", "collected_amount", "cases_cured"):
        assert sum(kpis[key] for kpis in everyone) > 0, key


def test_each_days_figures_match_the_definition_for_that_day(book):
    fields = [f for f in agent_selectors.AGENT_SUMS] + ["cases_open_at_start"]
    for day in dates_in(FIRST_DAY, LAST_DAY):
        for name, agent in book.agents.items():
            plain = plain_kpis(agent.user_id, day, day)
            rows = ReportAgentDay.objects.filter(date=day, agent_id=agent.user_id)
            sums = {f: sum((getattr(r, f) for r in rows), Decimal(0) if f.endswith(("amount", "total")) else 0) for f in fields}
            assert sums == {f: plain[f] for f in fields}, (day, name)


def test_a_days_work_is_filed_under_the_bucket_of_the_account_at_the_previous_close(book):
    user = book.agents["cat"].user_id  # the late-bucket team
    seen = set()
    for day in sorted({c.placed_at.date() for c in calls_of(user, FIRST_DAY, LAST_DAY)}):
        states = definitions.states_at(day - dt.timedelta(days=1))
        expected: dict[str, int] = defaultdict(int)
        for call in calls_of(user, day, day):
            expected[states[call.account_id].state or "M0"] += call.direction == "outbound"
        stored_rows = dict(ReportAgentDay.objects.filter(date=day, agent_id=user, attempts__gt=0).values_list("bucket", "attempts"))
        assert stored_rows == {bucket: n for bucket, n in expected.items() if n}, day
        seen |= set(stored_rows)
    assert len(seen) >= 2


def test_a_team_figure_is_the_sum_of_its_agents(book):
    filters = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY)
    agents = {row.key: row for row in agent_selectors.efficiency(filters, "agent")}
    teams = {row.key: row for row in agent_selectors.efficiency(filters, "team")}

    for team_id, team in teams.items():
        members = [a for a in book.agents.values() if a.team_id == team_id]
        for key in ("attempts", "right_party_contacts", "ptps", "ptp_amount", "collected_amount", "cases_cured"):
            assert team.sums[key] == sum((agents[m.user_id].sums[key] for m in members), type(team.sums[key])(0)), key
        assert team.logged_seconds == sum(agents[m.user_id].logged_seconds for m in members)


def test_a_bucket_filter_keeps_the_work_on_that_bucket_and_leaves_logged_time_out(book):
    filters = selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY, bucket="M2")
    rows = agent_selectors.efficiency(filters, "agent")

    total = sum(row.sums["attempts"] for row in rows)
    assert 0 < total < sum(row.sums["attempts"] for row in agent_selectors.efficiency(
        selectors.ReportFilters(first=FIRST_DAY, last=LAST_DAY), "agent"
    ))
    assert all(row.logged_seconds is None for row in rows)


def test_whole_months_read_from_the_month_roll_up_give_the_figures_of_their_days(book):
    filters = selectors.ReportFilters(first=dt.date(2026, 2, 1), last=dt.date(2026, 3, 31))
    assert ReportAgentMonth.objects.filter(month=dt.date(2026, 2, 1)).exists()
    rolled_up = {row.key: (row.sums, row.logged_seconds) for row in agent_selectors.efficiency(filters, "agent")}

    ReportAgentMonth.objects.all().delete()
    from_days = {row.key: (row.sums, row.logged_seconds) for row in agent_selectors.efficiency(filters, "agent")}

    assert rolled_up == from_days


def test_a_range_of_part_months_and_whole_months_matches_the_definition(book):
    first, last = dt.date(2026, 1, 20), dt.date(2026, 3, 31)  # part of January, all of February and March
    rows = {row.key: row for row in agent_selectors.efficiency(selectors.ReportFilters(first=first, last=last), "agent")}

    for name, agent in book.agents.items():
        assert stored(rows[agent.user_id]) == plain_kpis(agent.user_id, first, last), name
