"""Complaints a user may see, and the owner's queue in deadline order with the overdue ones marked.

Visibility follows the cases (``cases_visible_to``): an agent the complaints on their own cases, a
team lead the team's, supervisors, administrators and analysts all.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.db.models.functions import Least

from collections_app.models import Complaint
from collections_app.roles import SUPERVISOR, TEAM_LEAD
from collections_app.selectors.cases import cases_visible_to


def complaints_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case__in=cases_visible_to(user))


def complaints_with_deadline(complaints: QuerySet[Complaint], *, now: dt.datetime) -> QuerySet[Complaint]:
    """Annotated with ``due_at`` (the next deadline: acknowledgement while unacknowledged, else the
    answer) and ``overdue`` (open and past that deadline, or past the answer's)."""
    return complaints.annotate(
        due_at=SqlCase(
            When(status=Complaint.Status.RECEIVED, then=Least("acknowledge_by", "resolve_by")),
            When(status=Complaint.Status.ACKNOWLEDGED, then="resolve_by"),
            default=Value(None, output_field=DateTimeField()),
            output_field=DateTimeField(),
        ),
        overdue=ExpressionWrapper(
            ~Q(status=Complaint.Status.RESOLVED)
            & (Q(resolve_by__lt=now) | Q(status=Complaint.Status.RECEIVED, acknowledge_by__lt=now)),
            output_field=BooleanField(),
        ),
    )


def complaint_queue(
    user: AbstractBaseUser | AnonymousUser, *, now: dt.datetime, unowned: bool = False
) -> QuerySet[Complaint]:
    """The open complaints the user owns (``unowned``: those nobody owns yet, among the visible ones),
    the nearest deadline first."""
    visible = complaints_visible_to(user).filter(status__in=Complaint.OPEN_STATUSES)
    mine = visible.filter(owner__isnull=True) if unowned else visible.filter(owner_id=getattr(user, "pk", None))
    return (
        complaints_with_deadline(mine, now=now)
        .select_related("category", "case__account", "agent", "owner")
        .order_by(F("due_at").asc(), "pk")
    )


def complaints_to_resolve(user: AbstractBaseUser | AnonymousUser, *, now: dt.datetime) -> QuerySet[Complaint]:
    """Every open complaint the user sees (a team lead the team's, a supervisor all), the nearest
    deadline first, the overdue ones marked: the owners' and supervisors' queue."""
    return (
        complaints_with_deadline(complaints_visible_to(user).filter(status__in=Complaint.OPEN_STATUSES), now=now)
        .select_related("category", "case__account__borrower", "agent", "owner")
        .order_by(F("due_at").asc(), "pk")
    )


def case_complaints(case_id: int, *, now: dt.datetime) -> QuerySet[Complaint]:
    """A case's complaints for its account screen: the open ones first, by deadline, then the latest resolved."""
    return (
        complaints_with_deadline(Complaint.objects.filter(case_id=case_id), now=now)
        .select_related("category")
        .order_by(F("resolved_at").desc(nulls_first=True), F("due_at").asc(), "-pk")
    )


def complaint_owners() -> QuerySet[User]:
    """Who may own a complaint on the screens: the active team leads and supervisors, by username."""
    return (
        User.objects.filter(is_active=True, groups__name__in=(TEAM_LEAD, SUPERVISOR)).distinct().order_by("username")
    )


def complaints_about_agent(user: AbstractBaseUser | AnonymousUser, *, now: dt.datetime) -> QuerySet[Complaint]:
    """An agent's own complaints: those about their calls and those on their cases, open ones first by
    deadline, then the latest resolved."""
    if not getattr(user, "is_authenticated", False):
        return Complaint.objects.none()
    mine = Complaint.objects.filter(Q(agent_id=user.pk) | Q(case__in=cases_visible_to(user)))
    return (
        complaints_with_deadline(mine, now=now)
        .select_related("category", "case__account__borrower", "owner")
        .order_by(F("resolved_at").desc(nulls_first=True), F("due_at").asc(), "-pk")
    )
