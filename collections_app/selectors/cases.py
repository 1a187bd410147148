"""Cases a user may see, already limited by role: agents their own, team leads their teams',
supervisors, administrators and analysts all. Every screen and API endpoint starts here."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from accounts.actors import actor_user
from collections_app.models import Agent, Case, Team
from collections_app.roles import ADMINISTRATOR, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.promise_hold import held_by_promise

# The queue's documented order: explicit priority (broken promise > promise due today >
# callback due, set by those features), then days past due, then overdue balance, then age.
QUEUE_ORDER = ("-priority", "next_action_at", "-dpd", "-overdue_amount", "pk")


def teams_led_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    return Team.objects.filter(Q(lead=user) | Q(agents__user=user, agents__user__groups__name=TEAM_LEAD)).distinct()


def sees_every_case(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors, administrators (superusers too) and analysts read the whole book."""
    return user_has_role(user, SUPERVISOR, ADMINISTRATOR, ANALYST)


def cases_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if sees_every_case(user):
        return Case.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return Case.objects.filter(team__in=teams_led_by(user))
    return Case.objects.filter(agent__user=actor_user(user))


def agents_manageable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Agent]:
    """Agents whose cases (and leave) the user may set: supervisors all, team leads their teams'.

    Administrators and analysts manage none: they read the boards, they work no cases.
    """
    if user_has_role(user, SUPERVISOR):
        return Agent.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return Agent.objects.filter(team__in=teams_led_by(user))
    return Agent.objects.none()


def cases_manageable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Case]:
    """Cases the user may reassign and lock: supervisors all, team leads their teams', nobody else."""
    if user_has_role(user, SUPERVISOR):
        return Case.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return Case.objects.filter(team__in=teams_led_by(user))
    return Case.objects.none()


def agent_queue(
    user: AbstractBaseUser | AnonymousUser, *, at: dt.datetime, bucket: str | None = None
) -> QuerySet[Case]:
    """The agent's open cases in queue order, with the account and borrower joined in; without the
    cases an open promise holds at ``at`` (``agent_queue_held`` counts them)."""
    cases = Case.objects.filter(agent__user=actor_user(user), status=Case.Status.OPEN).exclude(
        held_by_promise(at=at)
    )
    if bucket:
        cases = cases.filter(bucket=bucket)
    return cases.select_related("account", "account__borrower").order_by(*QUEUE_ORDER)


def agent_queue_held(user: AbstractBaseUser | AnonymousUser, *, at: dt.datetime, bucket: str | None = None) -> int:
    """How many of the agent's open cases an open promise holds at ``at`` (out of the queue until then)."""
    cases = Case.objects.filter(agent__user=actor_user(user), status=Case.Status.OPEN).filter(held_by_promise(at=at))
    if bucket:
        cases = cases.filter(bucket=bucket)
    return cases.count()
