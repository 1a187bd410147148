"""Disputes a user may see, a debt's disputes, and the open ones waiting for their verification.

Visibility follows the cases of the disputed debt (``cases_visible_to``): an agent the disputes of the
debts of their own cases, a team lead the team's, supervisors, administrators and analysts all.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, QuerySet

from collections_app.models import Dispute
from collections_app.selectors.cases import cases_visible_to


def disputes_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Dispute]:
    return Dispute.objects.filter(account_id__in=cases_visible_to(user).values("account_id"))


def account_disputes(account_id: int) -> QuerySet[Dispute]:
    """A debt's disputes for its account screen: the open one first, then the latest resolved."""
    return (
        Dispute.objects.filter(account_id=account_id)
        .select_related("opened_by", "resolved_by")
        .order_by(F("resolved_at").desc(nulls_first=True), "-opened_at", "-pk")
    )


def disputes_to_verify(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Dispute]:
    """The open disputes the user sees, the oldest first: collection on them waits for the verification."""
    return (
        disputes_visible_to(user)
        .filter(status=Dispute.Status.OPEN)
        .select_related("account", "case", "opened_by")
        .order_by("opened_at", "pk")
    )
