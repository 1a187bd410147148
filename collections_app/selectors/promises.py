"""Reads about promises: the policy governing a case, its limits, the agent's day and the team view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import cast
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import ZERO, Borrower
from collections_app.models import Agent, Case, PromisePart, PromisePolicy, PromiseToPay
from collections_app.models.promises import PROMISE_POLICY_COMMON, PROMISE_POLICY_SHIPPED
from collections_app.roles import ADMINISTRATOR, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by

CENT = Decimal("0.01")
SETTLED = (PromiseToPay.Status.KEPT, PromiseToPay.Status.PARTIALLY_KEPT, PromiseToPay.Status.BROKEN)
MISSED = (PromiseToPay.Status.PARTIALLY_KEPT, PromiseToPay.Status.BROKEN)


def borrower_today(borrower: Borrower, *, now: dt.datetime | None = None) -> dt.date:
    """The borrower's calendar date now: promise dates and payment value dates are in it."""
    return (now or timezone.now()).astimezone(ZoneInfo(borrower.timezone)).date()


def promise_policy_for(bucket: str) -> PromisePolicy:
    """The bucket's own row, else the default row (empty bucket), else the shipped default (unsaved)."""
    rows = {row.bucket: row for row in PromisePolicy.objects.filter(bucket__in={bucket, ""})}
    return rows.get(bucket) or rows.get("") or PromisePolicy(bucket="", **{**PROMISE_POLICY_COMMON, **PROMISE_POLICY_SHIPPED[""]})


@dataclass(frozen=True)
class PromiseLimits:
    """What a promise on a case may be, today: shown on the form and checked by ``promise_create``."""

    policy: PromisePolicy
    today: dt.date
    latest_date: dt.date
    plan_latest_date: dt.date
    overdue_amount: Decimal
    min_amount: Decimal
    max_parts: int

    @property
    def min_share_percent(self) -> str:
        """``10`` for 0.1000, ``12.5`` for 0.1250."""
        return format((self.policy.min_share * 100).normalize(), "f")


def promise_limits(*, case: Case, today: dt.date) -> PromiseLimits:
    policy = promise_policy_for(case.bucket)
    overdue = case.overdue_amount or ZERO
    return PromiseLimits(
        policy=policy,
        today=today,
        latest_date=today + dt.timedelta(days=policy.max_days_ahead),
        plan_latest_date=today + dt.timedelta(days=policy.plan_max_days_ahead),
        overdue_amount=overdue,
        min_amount=(overdue * policy.min_share).quantize(CENT, rounding=ROUND_UP),
        max_parts=policy.max_parts,
    )


def promises_of_case(case: Case) -> QuerySet[PromiseToPay]:
    """The case's promises, newest first, with their parts and who took them."""
    return (
        PromiseToPay.objects.filter(case=case)
        .select_related("agent__user", "created_by")
        .prefetch_related(Prefetch("parts", queryset=PromisePart.objects.order_by("seq")))
        .order_by("-pk")
    )


@dataclass
class AgentDay:
    """The agent's promises: due today, missed in the last 7 days, kept in the last 7 days."""

    due_today: list[PromiseToPay]
    missed: list[PromiseToPay]
    kept: list[PromiseToPay]


def agent_day(user: AbstractBaseUser | AnonymousUser, *, today: dt.date, limit: int = 100) -> AgentDay:
    """Promises on the cases the user works now (whoever took them). Three queries."""
    mine = (
        PromiseToPay.objects.filter(case__agent__user=cast(User, user))
        .select_related("case", "account__borrower")
        .order_by("-pk")
    )
    week_ago = today - dt.timedelta(days=7)
    part_due = PromisePart.objects.filter(
        promise=OuterRef("pk"), due_date=today, status=PromisePart.Status.OPEN
    )
    return AgentDay(
        due_today=list(mine.filter(Exists(part_due), status=PromiseToPay.Status.OPEN)[:limit]),
        missed=list(
            mine.filter(status__in=MISSED, settled_on__gt=week_ago).order_by("-settled_on", "-pk")[:limit]
        ),
        kept=list(
            mine.filter(status=PromiseToPay.Status.KEPT, settled_on__gt=week_ago).order_by(
                "-settled_on", "-pk"
            )[:limit]
        ),
    )


def agents_reported_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Agent]:
    """Agents whose promise figures the user may read: leads their teams', supervisors and analysts all."""
    if user_has_role(user, SUPERVISOR, ADMINISTRATOR, ANALYST):
        return Agent.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return Agent.objects.filter(team__in=teams_led_by(user))
    return Agent.objects.none()


@dataclass
class AgentPromiseRow:
    """One agent's promises. Open: now. Settled figures: promises settled in the period.

    Kept rate = kept / (kept + partially kept + broken), all settled in the period (by count);
    a promise counts for the agent who took it, whoever works the case now.
    """

    agent: Agent
    open_count: int
    open_amount: Decimal
    kept_count: int
    kept_amount: Decimal
    partial_count: int
    partial_received: Decimal
    broken_count: int
    broken_amount: Decimal

    @property
    def settled_count(self) -> int:
        return self.kept_count + self.partial_count + self.broken_count

    @property
    def kept_rate(self) -> Decimal | None:
        if not self.settled_count:
            return None
        return (Decimal(self.kept_count) * 100 / self.settled_count).quantize(Decimal("0.1"))


def promises_by_agent(agents: QuerySet[Agent], *, since: dt.date) -> list[AgentPromiseRow]:
    """One aggregate query over the agents' promises."""
    settled = Q(promises__settled_on__gte=since)
    status = "promises__status"
    rows = (
        agents.select_related("user", "team")
        .annotate(
            n_open=Count("promises", filter=Q(**{status: PromiseToPay.Status.OPEN})),
            a_open=Sum("promises__amount", filter=Q(**{status: PromiseToPay.Status.OPEN})),
            n_kept=Count("promises", filter=settled & Q(**{status: PromiseToPay.Status.KEPT})),
            a_kept=Sum("promises__amount", filter=settled & Q(**{status: PromiseToPay.Status.KEPT})),
            n_partial=Count("promises", filter=settled & Q(**{status: PromiseToPay.Status.PARTIALLY_KEPT})),
            a_partial=Sum(
                "promises__received_amount",
                filter=settled & Q(**{status: PromiseToPay.Status.PARTIALLY_KEPT}),
            ),
            n_broken=Count("promises", filter=settled & Q(**{status: PromiseToPay.Status.BROKEN})),
            a_broken=Sum("promises__amount", filter=settled & Q(**{status: PromiseToPay.Status.BROKEN})),
        )
        .order_by("team__name", "user__username")
    )
    return [
        AgentPromiseRow(
            agent=row,
            open_count=row.n_open,
            open_amount=row.a_open or ZERO,
            kept_count=row.n_kept,
            kept_amount=row.a_kept or ZERO,
            partial_count=row.n_partial,
            partial_received=row.a_partial or ZERO,
            broken_count=row.n_broken,
            broken_amount=row.a_broken or ZERO,
        )
        for row in rows
    ]
