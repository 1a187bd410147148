"""Reads about promises: the policy governing a case, its limits, the agent's day and the team view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import ZERO, Borrower, Installment
from collections_app.models import Agent, Case, PromisePart, PromisePolicy, PromiseToPay
from collections_app.models.promises import PROMISE_POLICY_COMMON, PROMISE_POLICY_SHIPPED
from collections_app.roles import ADMINISTRATOR, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by
from collections_app.selectors.money import Amounts

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
    max_amount: Decimal
    max_parts: int

    @property
    def min_share_percent(self) -> str:
        """``10`` for 0.1000, ``12.5`` for 0.1250."""
        return format((self.policy.min_share * 100).normalize(), "f")


def case_owed(case: Case) -> Decimal:
    """What the case owes: everything still unpaid on the account's schedule (due or not yet due),
    and never less than the case's overdue amount. A promise never exceeds it."""
    remaining = Installment.objects.filter(loan_id=case.account_id).aggregate(
        owed=Sum(
            F("principal_due") + F("interest_due") + F("fee_due") + F("penalty_due")
            - F("principal_paid") - F("interest_paid") - F("fee_paid") - F("penalty_paid")
        )
    )["owed"]
    return max(remaining or ZERO, case.overdue_amount or ZERO)


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
        max_amount=case_owed(case),
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
    open_amount: Amounts
    kept_count: int
    kept_amount: Amounts
    partial_count: int
    partial_received: Amounts
    broken_count: int
    broken_amount: Amounts

    @property
    def settled_count(self) -> int:
        return self.kept_count + self.partial_count + self.broken_count

    @property
    def kept_rate(self) -> Decimal | None:
        if not self.settled_count:
            return None
        return (Decimal(self.kept_count) * 100 / self.settled_count).quantize(Decimal("0.1"))


def promises_by_agent(agents: QuerySet[Agent], *, since: dt.date) -> list[AgentPromiseRow]:
    """Two aggregate queries over the agents' promises: the counts per agent, the amounts per agent
    and currency (never added across currencies)."""
    settled = Q(settled_on__gte=since)
    open_ = Q(status=PromiseToPay.Status.OPEN)
    kept = settled & Q(status=PromiseToPay.Status.KEPT)
    partial = settled & Q(status=PromiseToPay.Status.PARTIALLY_KEPT)
    broken = settled & Q(status=PromiseToPay.Status.BROKEN)
    promises = PromiseToPay.objects.filter(agent__in=agents).filter(open_ | kept | partial | broken)
    counts: dict[int, Any] = {
        row["agent_id"]: row
        for row in promises.values("agent_id").annotate(
            n_open=Count("pk", filter=open_), n_kept=Count("pk", filter=kept),
            n_partial=Count("pk", filter=partial), n_broken=Count("pk", filter=broken),
        ).order_by()
    }
    sums: dict[tuple[int, str], Amounts] = {}
    for agent_id, currency, a_open, a_kept, a_partial, a_broken in (
        promises.values_list("agent_id", "account__currency")
        .annotate(
            a_open=Sum("amount", filter=open_), a_kept=Sum("amount", filter=kept),
            a_partial=Sum("received_amount", filter=partial), a_broken=Sum("amount", filter=broken),
        )
        .order_by()
    ):
        for name, amount in (("open", a_open), ("kept", a_kept), ("partial", a_partial), ("broken", a_broken)):
            sums.setdefault((agent_id, name), Amounts()).add(currency, amount)
    rows = []
    for agent in agents.select_related("user", "team").order_by("team__name", "user__username"):
        count = counts.get(agent.pk, {})
        rows.append(
            AgentPromiseRow(
                agent=agent,
                open_count=count.get("n_open", 0), open_amount=sums.get((agent.pk, "open"), Amounts()),
                kept_count=count.get("n_kept", 0), kept_amount=sums.get((agent.pk, "kept"), Amounts()),
                partial_count=count.get("n_partial", 0), partial_received=sums.get((agent.pk, "partial"), Amounts()),
                broken_count=count.get("n_broken", 0), broken_amount=sums.get((agent.pk, "broken"), Amounts()),
            )
        )
    return rows

PIPELINE_LIMIT = 500


@dataclass
class PipelineDay:
    """The open promise parts due on one date, with what is promised and received, per currency."""

    date: dt.date
    parts: list[PromisePart]
    promised: Amounts
    received: Amounts


@dataclass
class Pipeline:
    today: dt.date
    last: dt.date
    days: list[PipelineDay]
    truncated: bool

    @property
    def promised(self) -> Amounts:
        return sum((day.promised for day in self.days), Amounts())

    @property
    def received(self) -> Amounts:
        return sum((day.received for day in self.days), Amounts())

    @property
    def parts(self) -> int:
        return sum(len(day.parts) for day in self.days)


def promise_pipeline(cases: QuerySet[Case], *, today: dt.date, days: int, agent_id: int | None = None) -> Pipeline:
    """Open promises of ``cases`` by the date of each open part, from the parts still in their grace
    days to ``days`` ahead, with what has been received toward each part and each promise. One query."""
    last = today + dt.timedelta(days=days)
    parts = PromisePart.objects.filter(
        status=PromisePart.Status.OPEN, promise__status=PromiseToPay.Status.OPEN, due_date__lte=last,
        promise__case__in=cases,
    )
    if agent_id is not None:
        parts = parts.filter(promise__case__agent_id=agent_id)
    rows = list(
        parts.select_related("promise__account__borrower", "promise__case__agent__user", "promise__agent__user")
        .order_by("due_date", "promise__case__agent__user__username", "pk")[: PIPELINE_LIMIT + 1]
    )
    truncated = len(rows) > PIPELINE_LIMIT
    by_date: dict[dt.date, PipelineDay] = {}
    for part in rows[:PIPELINE_LIMIT]:
        currency = part.promise.account.currency
        day = by_date.setdefault(part.due_date, PipelineDay(part.due_date, [], Amounts(), Amounts()))
        day.parts.append(part)
        day.promised.add(currency, part.amount)
        day.received.add(currency, part.received_amount)
    return Pipeline(today, last, list(by_date.values()), truncated)
