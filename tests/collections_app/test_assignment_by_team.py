"""Assignment team by team (bounded memory) gives the assignments of all teams in one pass."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Borrower
from collections_app.models import Agent, AssignmentRecord, Case
from collections_app.services.assignment import cases_assign
from tests.factories import make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


class Rollback(Exception):
    pass


def random_book(seed: int) -> None:
    """Teams sharing buckets (one speaking Chinese, one for one product), agents active, away and
    inactive, and open cases new, held, held in a team that no longer serves their bucket, held by
    an agent of another team, and locked."""
    rng = random.Random(seed)
    early_en = make_team("Early", ["M1"], languages="en")
    early_zh = make_team("Early zh", ["M1"], languages="zh")
    middle = make_team("Middle", ["M2", "M3"])
    late = make_team("Late cards", ["M3", "M4"], products="card")
    teams = [early_en, early_zh, middle, late]
    agents = [
        make_agent(
            team, f"{team.pk}-{n}", capacity=rng.choice([8, 30, 200]),
            languages=rng.choice(["en", "zh", "en,zh"]),
            status=Agent.Status.INACTIVE if rng.random() < 0.15 else Agent.Status.ACTIVE,
            leave_from=TODAY - dt.timedelta(days=rng.choice([1, 9])) if rng.random() < 0.15 else None,
            leave_to=TODAY + dt.timedelta(days=3),
        )
        for team in teams
        for n in range(rng.randint(2, 4))
    ]
    for _ in range(160):
        bucket = rng.choice(["M1", "M1", "M2", "M3", "M4", "M5"])
        agent = rng.choice([None, None, *agents])
        [case] = make_open_cases(
            [Decimal(rng.randint(1_000, 900_000)) / 100], bucket=bucket, agent=agent,
            language=rng.choice(["en", "zh", ""]), locked=agent is not None and rng.random() < 0.1,
        )
        if rng.random() < 0.3:
            case.account.product = "card"
            case.account.save(update_fields=["product"])


def assignments(teams_per_batch: int) -> tuple[dict[int, tuple], list[tuple], object]:
    """The cases' teams and agents and the records after assigning, then rolled back."""
    found: dict[str, object] = {}
    try:
        with transaction.atomic():
            result = cases_assign(today=TODAY, teams_per_batch=teams_per_batch)
            found["cases"] = {pk: (team, agent) for pk, team, agent in Case.objects.values_list("pk", "team", "agent")}
            found["records"] = sorted(
                AssignmentRecord.objects.values_list("case", "from_team", "to_team", "from_agent", "to_agent", "reason")
            )
            found["result"] = (result.moved, result.by_reason, result.unplaced)
            raise Rollback
    except Rollback:
        pass
    return found["cases"], found["records"], found["result"]  # type: ignore[return-value]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_team_by_team_gives_the_assignments_of_one_pass_over_every_team(seed):
    random_book(seed)

    one_pass = assignments(teams_per_batch=100)
    by_team = assignments(teams_per_batch=1)
    in_pairs = assignments(teams_per_batch=2)

    assert one_pass[2][0] > 0  # the book gives the assignment work to do
    assert by_team == one_pass
    assert in_pairs == one_pass


def test_a_second_run_team_by_team_moves_nothing(seed=4):
    random_book(seed)
    cases_assign(today=TODAY)
    before = dict(Case.objects.values_list("pk", "agent"))

    again = cases_assign(today=TODAY)

    assert again.moved == 0
    assert dict(Case.objects.values_list("pk", "agent")) == before


def test_it_reads_the_cases_loans_and_borrowers_once_whatever_the_number_of_teams(seed=5):
    """The passes (the teams' starting loads, the choice of team, each team's cases) read the open
    cases once with their loans and borrowers, not once a pass: on PostgreSQL each such read went
    through every case of the book."""
    random_book(seed)

    with CaptureQueriesContext(connection) as queries:
        result = cases_assign(today=TODAY, teams_per_batch=1)

    assert result.moved > 0
    assert len([q for q in queries.captured_queries if Borrower._meta.db_table in q["sql"]]) == 1
