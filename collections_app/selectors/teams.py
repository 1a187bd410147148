"""The team board: per agent, open cases and overdue balance by bucket, against the team mean."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from accounts.calendar import business_today
from accounts.models import ZERO, Bucket
from collections_app.models import Agent, Case, Team
from collections_app.roles import ADMINISTRATOR, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by


def agent_is_away(agent: Agent, today: date) -> bool:
    """On leave by status, or within a leave period that covers ``today``."""
    return agent.status == Agent.Status.ON_LEAVE or bool(
        agent.leave_from and agent.leave_from <= today and (agent.leave_to is None or agent.leave_to >= today)
    )


def teams_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    if user_has_role(user, SUPERVISOR, ADMINISTRATOR, ANALYST):
        return Team.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return teams_led_by(user)
    return Team.objects.none()


@dataclass
class AgentRow:
    agent: Agent
    cases: int
    balance: Decimal
    by_bucket: list[int]
    locked: int
    count_vs_mean: Decimal | None
    balance_vs_mean: Decimal | None
    away: bool


@dataclass
class TeamBoard:
    team: Team
    buckets: list[str]
    agents: list[AgentRow]
    unassigned: int
    mean_cases: Decimal
    mean_balance: Decimal


def team_board(team: Team) -> TeamBoard:
    """Three queries whatever the team's size: buckets, agents with their aggregates, unassigned."""
    today = business_today()
    buckets = list(Bucket.objects.exclude(code="M0").values_list("code", flat=True))
    open_cases = Q(cases__status=Case.Status.OPEN)
    annotations = {
        "n_cases": Count("cases", filter=open_cases),
        "n_balance": Sum("cases__overdue_amount", filter=open_cases),
        "n_locked": Count("cases", filter=open_cases & Q(cases__locked=True)),
        **{f"b_{i}": Count("cases", filter=open_cases & Q(cases__bucket=code)) for i, code in enumerate(buckets)},
    }
    # Annotated rows: n_cases, n_balance, n_locked and b_<i> ride on each agent.
    agents: list[Any] = list(team.agents.select_related("user").annotate(**annotations).order_by("user__username"))
    active = [a for a in agents if a.status == Agent.Status.ACTIVE and not agent_is_away(a, today)]
    mean_cases = Decimal(sum(a.n_cases for a in active)) / len(active) if active else Decimal(0)
    mean_balance = sum((a.n_balance or ZERO for a in active), ZERO) / len(active) if active else ZERO

    def ratio(value: Decimal, mean: Decimal) -> Decimal | None:
        return (value / mean * 100 - 100).quantize(Decimal("0.1")) if mean else None

    rows = [
        AgentRow(
            agent=a,
            cases=a.n_cases,
            balance=a.n_balance or ZERO,
            by_bucket=[getattr(a, f"b_{i}") for i in range(len(buckets))],
            locked=a.n_locked,
            count_vs_mean=ratio(Decimal(a.n_cases), mean_cases),
            balance_vs_mean=ratio(a.n_balance or ZERO, mean_balance),
            away=agent_is_away(a, today),
        )
        for a in agents
    ]
    unassigned = Case.objects.filter(team=team, status=Case.Status.OPEN, agent__isnull=True).count()
    return TeamBoard(team, buckets, rows, unassigned, mean_cases.quantize(Decimal("0.1")), mean_balance.quantize(Decimal("0.01")))
