"""A floor for the call quality tests: the shipped scorecard, two teams, a supervisor, and calls made to order.

Calls are written as the call log holds them (completed, with talk time, an engine decision) and
not through the engine: a sample needs dozens of calls of one agent in a week, more than any
contact policy lets one debt take.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from collections_app import roles
from collections_app.models import Agent, Case, ContactAttempt, Scorecard
from tests.factories import UserFactory, make_agent, make_open_cases, make_team

# The ISO week of Monday 6 April 2026 (the book's calendar is UTC here).
WEEK = dt.date(2026, 4, 6)
TUESDAY = dt.datetime(2026, 4, 7, 14, tzinfo=dt.UTC)
_minutes = itertools.count()


def scorecard_presets_ensure() -> Scorecard:
    importlib.import_module("collections_app.migrations.0022_scorecard_preset").ensure_defaults(apps, None)
    return Scorecard.objects.get(is_active=True)


@dataclass
class QaFloor:
    ann: Agent
    bob: Agent
    carl: Agent  # another team
    lead: User  # leads Ann's and Bob's team
    other_lead: User  # leads Carl's
    supervisor: User
    analyst: User
    scorecard: Scorecard
    cases: dict[str, Case]


def _user(username: str, role: str) -> User:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(name="qa")
def qa_floor_fixture(db: None) -> QaFloor:
    roles.roles_ensure()
    scorecard = scorecard_presets_ensure()
    one, two = make_team("Team one", ["M1"]), make_team("Team two", ["M1"])
    ann, bob, carl = make_agent(one, "ann"), make_agent(one, "bob"), make_agent(two, "carl")
    lead, other_lead = _user("lee", roles.TEAM_LEAD), _user("olga", roles.TEAM_LEAD)
    one.lead, two.lead = lead, other_lead
    one.save()
    two.save()
    cases = {agent.user.username: make_open_cases([Decimal("300.00")], agent=agent)[0] for agent in (ann, bob, carl)}
    return QaFloor(
        ann=ann, bob=bob, carl=carl, lead=lead, other_lead=other_lead, supervisor=_user("sue", roles.SUPERVISOR),
        analyst=_user("ana", roles.ANALYST), scorecard=scorecard, cases=cases,
    )  # fmt: skip


def call(
    agent: Agent,
    case: Case,
    *,
    at: dt.datetime = TUESDAY,
    talk_seconds: int = 90,
    status: str = ContactAttempt.Status.COMPLETED,
    allowed: bool = True,
) -> ContactAttempt:
    """One call of ``agent`` on ``case``, a minute after the previous one made here."""
    placed = at + dt.timedelta(minutes=next(_minutes) % 600)
    return ContactAttempt.objects.create(
        case=case, account=case.account, agent=agent.user, channel=ContactAttempt.Channel.CALL,
        status=status, placed_at=placed, answered_at=placed if talk_seconds else None,
        ended_at=placed + dt.timedelta(seconds=talk_seconds), talk_seconds=talk_seconds,
        right_party_contact=talk_seconds > 0, conversation=talk_seconds > 0,
        decision={"allowed": allowed, "reasons": [] if allowed else [{"code": "window", "message": "Outside hours"}]},
    )  # fmt: skip


def calls(agent: Agent, case: Case, n: int, **fields: object) -> list[ContactAttempt]:
    return [call(agent, case, **fields) for _ in range(n)]  # type: ignore[arg-type]
