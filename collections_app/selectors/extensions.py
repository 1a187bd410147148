"""Reads for extension negotiation: a case's requests and the approver's queue, limited to what the user may see."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet

from accounts.models import Installment
from collections_app.models import Case, ExtensionRequest
from collections_app.roles import ADMINISTRATOR, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by

APPROVER_ROLES = (TEAM_LEAD, SUPERVISOR)


def extensions_of_case(case: Case) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(case=case)
        .select_related("sop", "requested_by", "approver")
        .prefetch_related("sop__steps", "waivers")
        .order_by("-created_at", "-id")
    )


def approval_queue(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ExtensionRequest]:
    """Requests waiting for a decision that ``user`` may decide: a supervisor all, a team lead their teams'.

    The user's own requests are left out: nobody approves their own request.
    """
    waiting = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.SUBMITTED).exclude(
        requested_by_id=getattr(user, "pk", None)
    )
    if user_has_role(user, SUPERVISOR, ADMINISTRATOR):
        scoped = waiting
    elif user_has_role(user, TEAM_LEAD):
        scoped = waiting.filter(Q(case__team__in=teams_led_by(user)) | Q(case__agent__user=cast(User, user)))
    else:
        return ExtensionRequest.objects.none()
    return scoped.select_related("sop", "requested_by", "case__account__borrower", "case__agent__user").prefetch_related(
        "sop__steps", "sop__authorities"
    ).order_by("submitted_at", "id")


def unpaid_installments(case: Case) -> QuerySet[Installment]:
    return Installment.objects.filter(loan_id=case.account_id, settled_on__isnull=True).order_by("seq")
