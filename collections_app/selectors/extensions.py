"""Reads for extension negotiation: a case's requests and the approver's queue, limited to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Installment
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


# The steps of a request's life that the history shows (ticks are in the script record already).
DECISION_STEPS: dict[str, str | Promise] = {
    "extension.create": _("Started"),
    "extension.submit": _("Submitted"),
    "extension.approve": _("Approved"),
    "extension.reject": _("Rejected"),
    "extension.apply": _("Applied: the schedule changed"),
    "extension.cancel": _("Cancelled"),
}


@dataclass(frozen=True)
class HistoryStep:
    label: str | Promise
    at: datetime
    by: str
    reason: str


def extension_histories(requests: Iterable[ExtensionRequest]) -> dict[int, list[HistoryStep]]:
    """Each request's decisions in order (who, when, why), from the audit trail: one query."""
    ids = [str(request.pk) for request in requests]
    histories: dict[int, list[HistoryStep]] = {int(pk): [] for pk in ids}
    if not ids:
        return histories
    entries = (
        AuditEntry.objects.filter(
            object_type=ExtensionRequest._meta.label_lower, object_id__in=ids, action__in=list(DECISION_STEPS)
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    for entry in entries:
        by = entry.actor.get_username() if entry.actor else entry.actor_label
        after = entry.after if isinstance(entry.after, dict) else {}
        label = DECISION_STEPS[entry.action]
        if entry.action == "extension.submit" and after.get("status") == ExtensionRequest.Status.APPROVED:
            label = _("Submitted and approved within the submitter's authority")
        histories[int(entry.object_id)].append(HistoryStep(label, entry.at, by, entry.reason))
    return histories


def recent_decisions(user: AbstractBaseUser | AnonymousUser, *, limit: int = 10) -> QuerySet[ExtensionRequest]:
    """The requests ``user`` decided last (approved or rejected), newest first."""
    return (
        ExtensionRequest.objects.filter(approver_id=getattr(user, "pk", None), decided_at__isnull=False)
        .exclude(requested_by_id=getattr(user, "pk", None))
        .select_related("case__account", "requested_by")
        .order_by("-decided_at", "-id")[:limit]
    )
