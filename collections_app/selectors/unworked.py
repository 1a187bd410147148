"""Unworked cases: open cases that no team serves or that no agent holds, and nobody works.

A case gets no team when no team serves its bucket (the assignment job leaves it where it is),
and no agent when its team has nobody active with room. Both must be seen: they are often the
oldest, largest balances of the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Bucket
from collections_app.models import Case
from collections_app.roles import ADMINISTRATOR, SUPERVISOR, user_has_role
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.money import Amounts

NO_TEAM = Q(team__isnull=True)
NO_AGENT = Q(team__isnull=False, agent__isnull=True)


def unworked_cases(user: AbstractBaseUser | AnonymousUser | None = None) -> QuerySet[Case]:
    """Open cases without a team or an agent; for a user, those they may see (a team lead: their
    teams' cases without an agent). ``None``: the whole book (jobs and commands)."""
    cases = Case.objects.all() if user is None else cases_visible_to(user)
    if user is not None and not user_has_role(user, SUPERVISOR, ADMINISTRATOR):
        cases = cases.filter(team__isnull=False)
    return cases.filter(NO_TEAM | Q(agent__isnull=True), status=Case.Status.OPEN)


@dataclass
class BucketUnworked:
    bucket: str
    without_team: int = 0
    without_agent: int = 0
    overdue: Amounts = field(default_factory=Amounts)

    @property
    def cases(self) -> int:
        return self.without_team + self.without_agent


@dataclass
class UnworkedSummary:
    buckets: list[BucketUnworked]
    unserved_buckets: list[str]  # delinquent buckets no team serves

    @property
    def without_team(self) -> int:
        return sum(row.without_team for row in self.buckets)

    @property
    def without_agent(self) -> int:
        return sum(row.without_agent for row in self.buckets)

    @property
    def cases(self) -> int:
        return self.without_team + self.without_agent

    @property
    def overdue(self) -> Amounts:
        return sum((row.overdue for row in self.buckets), Amounts())


def unworked_summary(cases: QuerySet[Case]) -> UnworkedSummary:
    """Per bucket (in the scale's order): cases without a team, without an agent, overdue per currency.
    Three queries."""
    order: dict[str, int] = dict(Bucket.objects.values_list("code", "position"))
    rows: dict[str, BucketUnworked] = {}
    for bucket, currency, no_team, no_agent, overdue in (
        cases.values_list("bucket", "account__currency")
        .annotate(no_team=Count("pk", filter=NO_TEAM), no_agent=Count("pk", filter=NO_AGENT), overdue=Sum("overdue_amount"))
        .order_by()
    ):
        row = rows.setdefault(bucket, BucketUnworked(bucket))
        row.without_team += no_team
        row.without_agent += no_agent
        row.overdue.add(currency, overdue)
    unserved = list(
        Bucket.objects.filter(min_dpd__gt=0, teams__isnull=True).order_by("position").values_list("code", flat=True)
    )
    ordered = sorted(rows.values(), key=lambda row: (order.get(row.bucket, 99), row.bucket))
    return UnworkedSummary(ordered, unserved)
