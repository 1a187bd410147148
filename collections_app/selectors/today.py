"""Today, live: what a team lead or a supervisor must act on now, read from the day's own events.

Not the nightly aggregates: the attempts, promises, callbacks and decisions of today, through
the indexes made for them (attempts by agent and time, promises by agent and time, broken
promises by settlement day, pending callbacks by due time, submitted extensions, cases without
a team or an agent). A fixed number of queries whatever the book's size; every list is capped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum

from accounts.calendar import book_date, day_bounds
from collections_app.models import Agent, Case, ContactAttempt, PromiseToPay, Team
from collections_app.roles import ADMINISTRATOR, SUPERVISOR, user_has_role
from collections_app.selectors.cases import teams_led_by
from collections_app.selectors.extensions import approval_queue
from collections_app.selectors.money import Amounts
from collections_app.selectors.teams import agent_is_away
from scheduling.models import Callback

LIST_LIMIT = 20
IDLE_AFTER = dt.timedelta(hours=1)
CHASE_DAYS = 7  # broken promises settled in the last week, not called since


def today_teams(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    """The teams whose day the user watches: a supervisor every team, a team lead theirs."""
    if user_has_role(user, SUPERVISOR, ADMINISTRATOR):
        return Team.objects.order_by("name")
    return teams_led_by(user).order_by("name")


@dataclass
class AgentToday:
    agent: Agent
    attempts: int = 0
    right_party_contacts: int = 0
    promises: int = 0
    promised: Amounts = field(default_factory=Amounts)
    last_call_at: dt.datetime | None = None
    away: bool = False
    idle: bool = False  # active, and no call logged for an hour (or none yet today)


@dataclass
class Today:
    now: dt.datetime
    day: dt.date
    teams: list[Team]
    team: Team | None
    approvals_waiting: int
    without_team: int
    without_agent: int
    broken_to_chase: list[PromiseToPay]
    broken_to_chase_count: int
    callbacks_overdue: list[Callback]
    callbacks_overdue_count: int
    agents: list[AgentToday]

    @property
    def unassigned(self) -> int:
        return self.without_team + self.without_agent

    @property
    def idle_agents(self) -> list[AgentToday]:
        return [row for row in self.agents if row.idle]

    @property
    def totals(self) -> AgentToday:
        total = AgentToday(agent=Agent())
        for row in self.agents:
            total.attempts += row.attempts
            total.right_party_contacts += row.right_party_contacts
            total.promises += row.promises
            total.promised = total.promised + row.promised
        return total


def today_board(user: AbstractBaseUser | AnonymousUser, *, now: dt.datetime, team_id: int | None = None) -> Today:
    """The day so far for the user's teams (or one of them). About ten queries, each on an index."""
    day = book_date(now)
    start, _end = day_bounds(day)
    teams = list(today_teams(user))
    team = next((t for t in teams if t.pk == team_id), None)
    scope = [team.pk] if team else [t.pk for t in teams]
    every_team = user_has_role(user, SUPERVISOR, ADMINISTRATOR) and team is None

    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    in_scope = open_cases if every_team else open_cases.filter(team_id__in=scope)
    unassigned = open_cases.filter(Q(team__isnull=True) | Q(agent__isnull=True))
    if not every_team:
        unassigned = unassigned.filter(team_id__in=scope)
    counts = unassigned.aggregate(
        without_team=Count("pk", filter=Q(team__isnull=True)),
        without_agent=Count("pk", filter=Q(team__isnull=False, agent__isnull=True)),
    )

    called_since = ContactAttempt.objects.filter(
        case_id=OuterRef("case_id"), placed_at__gte=OuterRef("settled_at")
    ).exclude(status=ContactAttempt.Status.NOT_DIALED)
    broken = (
        PromiseToPay.objects.filter(
            status=PromiseToPay.Status.BROKEN, settled_on__gt=day - dt.timedelta(days=CHASE_DAYS),
            case__in=in_scope,
        )
        .annotate(settled_at=F("updated_at"))
        .filter(~Exists(called_since))
    )
    callbacks = Callback.objects.filter(status=Callback.Status.PENDING, due_at__lt=now, case__in=in_scope)

    agents = list(
        Agent.objects.filter(team_id__in=scope).exclude(status=Agent.Status.INACTIVE)
        .select_related("user", "team").order_by("team__name", "user__username")
    )
    users = [agent.user_id for agent in agents]
    calls: dict[int, Any] = {
        row["agent_id"]: row
        for row in ContactAttempt.objects.filter(
            agent_id__in=users, placed_at__gte=start, placed_at__lte=now, channel=ContactAttempt.Channel.CALL,
        )
        .exclude(status=ContactAttempt.Status.NOT_DIALED)
        .values("agent_id")
        .annotate(
            attempts=Count("pk", filter=Q(direction=ContactAttempt.Direction.OUTBOUND)),
            rpc=Count("pk", filter=Q(right_party_contact=True)),
            last=Max("placed_at"),
        )
        .order_by()
    }
    promised: dict[int, tuple[int, Amounts]] = {}
    for agent_id, currency, number, amount in (
        PromiseToPay.objects.filter(agent_id__in=[a.pk for a in agents], created_at__gte=start, created_at__lte=now)
        .values_list("agent_id", "account__currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    ):
        count, sums = promised.get(agent_id, (0, Amounts()))
        sums.add(currency, amount)
        promised[agent_id] = (count + number, sums)

    rows = []
    for agent in agents:
        figures = calls.get(agent.user_id, {})
        number, sums = promised.get(agent.pk, (0, Amounts()))
        away = agent_is_away(agent, day)
        last = figures.get("last")
        rows.append(
            AgentToday(
                agent=agent, attempts=figures.get("attempts", 0), right_party_contacts=figures.get("rpc", 0),
                promises=number, promised=sums, last_call_at=last, away=away,
                idle=not away and (last is None or now - last >= IDLE_AFTER),
            )
        )
    return Today(
        now=now, day=day, teams=teams, team=team,
        approvals_waiting=approval_queue(user).count(),
        without_team=counts["without_team"], without_agent=counts["without_agent"],
        broken_to_chase=list(
            broken.select_related("case__account", "agent__user").order_by("-amount", "pk")[:LIST_LIMIT]
        ),
        broken_to_chase_count=broken.count(),
        callbacks_overdue=list(
            callbacks.select_related("case__account", "agent__user").order_by("due_at", "pk")[:LIST_LIMIT]
        ),
        callbacks_overdue_count=callbacks.count(),
        agents=rows,
    )
