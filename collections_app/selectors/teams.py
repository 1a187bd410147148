"""The team board: per agent, open cases and overdue balance by bucket, against the team mean."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.calendar import book_date, day_bounds
from accounts.models import Bucket
from collections_app.models import Agent, Case, ContactAttempt, Team
from collections_app.roles import ADMINISTRATOR, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by
from collections_app.selectors.money import Amounts, amounts_by_key

CENT = Decimal("0.01")


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
    balance: Amounts
    by_bucket: list[int]
    locked: int
    untouched_today: int
    count_vs_mean: Decimal | None
    balance_vs_mean: list[tuple[str, Decimal | None]]  # per currency
    away: bool


@dataclass
class TeamBoard:
    team: Team
    buckets: list[str]
    agents: list[AgentRow]
    unassigned: int
    untouched_today: int
    mean_cases: Decimal
    mean_balance: Amounts


def _ratio(value: Decimal, mean: Decimal) -> Decimal | None:
    return (value / mean * 100 - 100).quantize(Decimal("0.1")) if mean else None


def touched_since(start: dt.datetime) -> Exists:
    """A call placed on the (outer) case since ``start`` (one probe of the case's attempt history)."""
    return Exists(
        ContactAttempt.objects.filter(case_id=OuterRef("pk"), placed_at__gte=start).exclude(
            status=ContactAttempt.Status.NOT_DIALED
        )
    )


def team_board(team: Team, *, now: dt.datetime) -> TeamBoard:
    """Five queries whatever the team's size: buckets, agents with their counts, balances per agent
    and currency, cases not called today per agent, cases without an agent."""
    today = book_date(now)
    start, _end = day_bounds(today)
    team_open = Case.objects.filter(team=team, status=Case.Status.OPEN)
    # The buckets the team serves, and any other its cases are in (a roll the job has not moved yet).
    buckets = list(
        Bucket.objects.filter(Q(teams=team) | Q(code__in=team_open.values("bucket")))
        .exclude(min_dpd=0).distinct().order_by("position").values_list("code", flat=True)
    )
    open_cases = Q(cases__status=Case.Status.OPEN)
    annotations = {
        "n_cases": Count("cases", filter=open_cases),
        "n_locked": Count("cases", filter=open_cases & Q(cases__locked=True)),
        **{f"b_{i}": Count("cases", filter=open_cases & Q(cases__bucket=code)) for i, code in enumerate(buckets)},
    }
    # Annotated rows: n_cases, n_locked and b_<i> ride on each agent.
    agents: list[Any] = list(team.agents.select_related("user").annotate(**annotations).order_by("user__username"))
    balances = amounts_by_key(
        team_open.filter(agent__isnull=False).values_list("agent_id", "account__currency")
        .annotate(total=Sum("overdue_amount")).order_by()
    )
    untouched = dict(
        team_open.filter(~touched_since(start)).values_list("agent_id").annotate(n=Count("pk")).order_by()
    )
    active = [a for a in agents if a.status == Agent.Status.ACTIVE and not agent_is_away(a, today)]
    mean_cases = Decimal(sum(a.n_cases for a in active)) / len(active) if active else Decimal(0)
    team_balance = sum((balances.get(a.pk, Amounts()) for a in active), Amounts())
    mean_balance = Amounts((currency, (total / len(active)).quantize(CENT)) for currency, total in team_balance)

    rows = []
    for a in agents:
        balance = balances.get(a.pk, Amounts())
        rows.append(
            AgentRow(
                agent=a,
                cases=a.n_cases,
                balance=balance,
                by_bucket=[getattr(a, f"b_{i}") for i in range(len(buckets))],
                locked=a.n_locked,
                untouched_today=untouched.get(a.pk, 0),
                count_vs_mean=_ratio(Decimal(a.n_cases), mean_cases),
                balance_vs_mean=[(currency, _ratio(balance[currency], mean)) for currency, mean in mean_balance],
                away=agent_is_away(a, today),
            )
        )
    unassigned = team_open.filter(agent__isnull=True).count()
    return TeamBoard(
        team, buckets, rows, unassigned, sum(untouched.values()),
        mean_cases.quantize(Decimal("0.1")), mean_balance,
    )


# The case list of the board: what a lead filters and sorts by.
BOARD_SORTS = {
    "agent": ("agent__user__username", "-dpd", "pk"),
    "dpd": ("-dpd", "pk"),
    "overdue": ("-overdue_amount", "pk"),
    "bucket": ("bucket", "-dpd", "pk"),
    "last_call": (F("last_call_at").asc(nulls_first=True), "pk"),
    "priority": ("-priority", "-dpd", "pk"),
}


@dataclass(frozen=True)
class BoardFilters:
    agent: str = ""  # an agent's id, or "none"
    bucket: str = ""
    untouched: bool = False  # not touched today
    locked: str = ""  # "yes" / "no"
    sort: str = "agent"


def board_cases(cases: QuerySet[Case], filters: BoardFilters, *, now: dt.datetime) -> QuerySet[Case]:
    """The board's cases with the time of their last call, filtered and sorted as asked."""
    start, _end = day_bounds(book_date(now))
    last_call = (
        ContactAttempt.objects.filter(case_id=OuterRef("pk"))
        .exclude(status=ContactAttempt.Status.NOT_DIALED)
        .order_by("-placed_at")
        .values("placed_at")[:1]
    )
    listed = cases.annotate(last_call_at=Subquery(last_call))
    if filters.agent == "none":
        listed = listed.filter(agent__isnull=True)
    elif filters.agent.isdigit():
        listed = listed.filter(agent_id=int(filters.agent))
    if filters.bucket:
        listed = listed.filter(bucket=filters.bucket)
    if filters.untouched:
        listed = listed.filter(~touched_since(start))
    if filters.locked in ("yes", "no"):
        listed = listed.filter(locked=filters.locked == "yes")
    order = BOARD_SORTS.get(filters.sort, BOARD_SORTS["agent"])
    return listed.select_related("account__borrower", "agent__user").order_by(*order)
