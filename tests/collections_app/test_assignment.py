"""Assignment by M-bucket: sticky, balanced within 10%, within capacity, leave-aware, lock-safe."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from collections_app.models import Agent, AssignmentRecord, Case
from collections_app.services.assignment import cases_assign
from collections_app.services.close import book_close
from tests.factories import UserFactory, loan_with_schedule, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def random_balances(n: int, seed: int = 7) -> list[Decimal]:
    rng = random.Random(seed)
    return [Decimal(rng.randint(10_000, 500_000)) / 100 for _ in range(n)]


def loads(team) -> dict[int, tuple[int, Decimal]]:
    rows = (
        Case.objects.filter(team=team, status="open", agent__isnull=False)
        .values("agent")
        .annotate(n=Count("pk"), b=Sum("overdue_amount"))
    )
    return {r["agent"]: (r["n"], r["b"]) for r in rows}


def test_a_skewed_team_ends_within_ten_percent_of_the_mean_on_count_and_balance():
    team = make_team("M1 Team", ["M1"])
    heavy = make_agent(team, "heavy")
    make_agent(team, "light1")
    make_agent(team, "light2")
    make_open_cases(random_balances(150), agent=heavy)

    result = cases_assign(today=TODAY)

    per_agent = loads(team)
    assert len(per_agent) == 3
    counts = [n for n, _ in per_agent.values()]
    balances = [b for _, b in per_agent.values()]
    mean_count, mean_balance = sum(counts) / 3, sum(balances) / 3
    assert max(counts) <= math.ceil(mean_count * 1.1)
    assert max(balances) <= mean_balance * Decimal("1.1")
    assert result.moved == AssignmentRecord.objects.filter(reason="rebalance").count() > 0


def test_assignment_is_sticky_across_days_while_the_bucket_does_not_change():
    team = make_team("M1 Team", ["M1"])
    make_agent(team, "a1")
    make_agent(team, "a2")
    make_open_cases(random_balances(40))
    cases_assign(today=TODAY)
    before = dict(Case.objects.values_list("pk", "agent_id"))

    second = cases_assign(today=TODAY + dt.timedelta(days=1))

    assert second.moved == 0
    assert dict(Case.objects.values_list("pk", "agent_id")) == before


def test_new_cases_are_placed_and_recorded_with_reason_new():
    team = make_team("M1 Team", ["M1"])
    make_agent(team, "a1")
    make_open_cases(random_balances(5))

    cases_assign(today=TODAY)

    assert Case.objects.filter(agent__isnull=True).count() == 0
    assert AssignmentRecord.objects.filter(reason="new").count() == 5


def test_no_agent_is_given_more_cases_than_its_capacity():
    team = make_team("M1 Team", ["M1"])
    make_agent(team, "a1", capacity=10)
    make_agent(team, "a2", capacity=10)
    make_open_cases(random_balances(30))

    result = cases_assign(today=TODAY)

    assert all(n <= 10 for n, _ in loads(team).values())
    assert result.unplaced == 10
    assert Case.objects.filter(team=team, agent__isnull=True).count() == 10


def test_an_agent_on_a_short_leave_keeps_its_cases_but_gets_nothing_new():
    team = make_team("M1 Team", ["M1"], leave_spread_after_days=3)
    away = make_agent(team, "away", leave_from=TODAY - dt.timedelta(days=1), leave_to=TODAY + dt.timedelta(days=5))
    make_agent(team, "here")
    kept = make_open_cases(random_balances(4), agent=away)
    make_open_cases(random_balances(6, seed=8))

    cases_assign(today=TODAY)

    assert set(Case.objects.filter(agent=away).values_list("pk", flat=True)) == {c.pk for c in kept}


def test_a_long_leave_spreads_the_agents_cases_over_the_team():
    team = make_team("M1 Team", ["M1"], leave_spread_after_days=3)
    away = make_agent(team, "away", leave_from=TODAY - dt.timedelta(days=5), leave_to=TODAY + dt.timedelta(days=5))
    make_agent(team, "here1")
    make_agent(team, "here2")
    make_open_cases(random_balances(10), agent=away)

    cases_assign(today=TODAY)

    assert not Case.objects.filter(agent=away).exists()
    assert AssignmentRecord.objects.filter(reason="leave", from_agent=away).count() == 10


def test_a_locked_case_is_never_moved_even_from_an_overloaded_agent():
    team = make_team("M1 Team", ["M1"])
    heavy = make_agent(team, "heavy")
    make_agent(team, "light")
    locked = make_open_cases([Decimal("90000.00")], agent=heavy, locked=True)[0]
    make_open_cases(random_balances(20), agent=heavy)

    cases_assign(today=TODAY)

    locked.refresh_from_db()
    assert locked.agent == heavy
    assert not AssignmentRecord.objects.filter(case=locked).exists()


def test_a_roll_from_m1_to_m2_moves_the_case_to_the_m2_team():
    m1 = make_team("M1 Team", ["M1"])
    m2 = make_team("M2-M3 Team", ["M2", "M3"])
    make_agent(m1, "m1agent")
    m2agent = make_agent(m2, "m2agent")
    loan = loan_with_schedule(first_due=dt.date(2026, 2, 1), count=1)
    book_close(business_date=dt.date(2026, 3, 1))  # 28 DPD: M1
    cases_assign(today=dt.date(2026, 3, 2))
    case = Case.objects.get(account=loan)
    assert case.team == m1

    book_close(business_date=dt.date(2026, 3, 5))  # 32 DPD: M2
    cases_assign(today=dt.date(2026, 3, 6))

    case.refresh_from_db()
    assert (case.bucket, case.team, case.agent) == ("M2", m2, m2agent)
    assert AssignmentRecord.objects.filter(case=case, reason="roll", to_team=m2).exists()


def test_a_borrower_is_matched_to_an_agent_who_speaks_their_language_within_the_bounds():
    team = make_team("M1 Team", ["M1"], languages="en,zh-hans")
    make_agent(team, "english", languages="en")
    mandarin = make_agent(team, "mandarin", languages="zh-hans,en")
    make_open_cases(random_balances(40), language="en")
    zh_cases = make_open_cases([Decimal("100.00"), Decimal("120.00")], language="zh-hans")

    cases_assign(today=TODAY)

    assert set(Case.objects.filter(pk__in=[c.pk for c in zh_cases]).values_list("agent", flat=True)) == {mandarin.pk}


def test_inactive_agents_lose_their_cases():
    team = make_team("M1 Team", ["M1"])
    gone = make_agent(team, "gone", status=Agent.Status.INACTIVE)
    make_agent(team, "here")
    make_open_cases(random_balances(3), agent=gone)

    cases_assign(today=TODAY)

    assert not Case.objects.filter(agent=gone).exists()


def test_a_second_run_after_a_big_first_placement_moves_nothing():
    team = make_team("M1 Team", ["M1"], languages="en,zh-hans")
    for n in range(7):
        make_agent(team, f"a{n}", languages="zh-hans,en" if n % 3 == 0 else "en")
    make_open_cases(random_balances(300), language="en")
    make_open_cases(random_balances(60, seed=9), language="zh-hans")
    cases_assign(today=TODAY)

    second = cases_assign(today=TODAY)

    assert second.moved == 0


@pytest.mark.postgres
def test_a_reassignment_made_while_the_job_runs_is_not_overwritten():
    from django.utils import timezone

    from collections_app.services.assignment import CaseRow, _Moves, cases_reassign

    # Given a case the job read while it had no agent, and meant to give to a1
    team = make_team("M1 Team", ["M1"])
    a1, a2 = make_agent(team, "a1"), make_agent(team, "a2")
    [case] = make_open_cases([Decimal("100.00")])
    read = CaseRow(case.pk, "M1", 10000, "en", "", None, None, False, new_team_id=team.pk, new_agent_id=a1.pk, reason="new")

    # When a supervisor gives it to a2 before the job writes its moves
    cases_reassign(case_ids=[case.pk], agent=a2, by=UserFactory(username="lead"))
    moves = _Moves(timezone.now())
    moves.add([read])
    written = moves.save()

    # Then the supervisor's choice stands and the job records no move
    case.refresh_from_db()
    assert (sum(written.values()), case.agent_id) == (0, a2.pk)
    assert not AssignmentRecord.objects.filter(case=case, reason="new").exists()
