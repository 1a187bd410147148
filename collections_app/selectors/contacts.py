"""Reads about contacting borrowers: who may work a case, its calls, and what the engine says now.

Every function here answers in a constant number of queries, whatever the number of phones,
cases or attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet

from accounts.models import LoanAccount, Phone
from collections_app.models import Case, ContactAttempt
from collections_app.roles import AGENT, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by
from scheduling.engine import Decision, evaluate_many
from scheduling.models import ContactPreference

# A reservation not reported within this time is no longer offered as "the open call" of a screen.
OPEN_CALL_WINDOW = dt.timedelta(hours=12)
HISTORY_LIMIT = 200
UNREPORTED = (ContactAttempt.Status.RESERVED, ContactAttempt.Status.EXPIRED)


def cases_workable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Case]:
    """Cases the user may act on (call, log, record requests): an agent their own, a team lead
    their teams' and their own, a supervisor all. Analysts and administrators read, they do not call.
    """
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if user_has_role(user, SUPERVISOR):
        return Case.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return Case.objects.filter(Q(team__in=teams_led_by(user)) | Q(agent__user=cast(User, user)))
    if user_has_role(user, AGENT):
        return Case.objects.filter(agent__user=cast(User, user))
    return Case.objects.none()


def open_calls(*, case: Case, user: User, at: dt.datetime) -> QuerySet[ContactAttempt]:
    """The user's calls on this case reserved but not yet reported (newest first)."""
    return (
        ContactAttempt.objects.filter(
            case=case, agent=user, status__in=UNREPORTED, placed_at__gte=at - OPEN_CALL_WINDOW
        )
        .select_related("phone")
        .order_by("-placed_at")
    )


def contact_history(account: LoanAccount) -> list[ContactAttempt]:
    """Every contact about the debt, newest first, with what the history table shows joined in."""
    return list(
        ContactAttempt.objects.filter(account=account)
        .select_related("disposition", "agent", "phone", "message__template", "message__email")
        .order_by("-placed_at", "-pk")[:HISTORY_LIMIT]
    )


def contact_preference(borrower_id: int) -> ContactPreference | None:
    return ContactPreference.objects.filter(borrower_id=borrower_id).first()


def phone_decisions(*, account: LoanAccount, phones: list[Phone], at: dt.datetime) -> dict[int, Decision]:
    """The engine's answer for an agent's call to each phone about this debt, keyed by phone id."""
    return evaluate_many(
        phones, at=at, source=ContactAttempt.Source.AGENT, accounts={p.pk: account for p in phones}
    )


@dataclass(frozen=True)
class CaseContact:
    """The best a case offers now: an allowed number, or else the one allowed soonest."""

    phone: Phone | None
    decision: Decision | None


def _better(candidate: Decision, best: Decision) -> bool:
    if candidate.allowed != best.allowed:
        return candidate.allowed
    if candidate.allowed:
        return (candidate.attempts_left_today or 0) > (best.attempts_left_today or 0)
    if candidate.next_allowed_at is None:
        return False
    return best.next_allowed_at is None or candidate.next_allowed_at < best.next_allowed_at


def cases_contact(cases: Iterable[Case], *, at: dt.datetime) -> dict[int, CaseContact]:
    """For each case (its account and borrower already loaded), its best phone and the decision.

    One batch for every phone of every borrower of the cases: a queue page costs the same few
    queries whatever its length.
    """
    cases = list(cases)
    phones = list(
        Phone.objects.filter(borrower_id__in={case.account.borrower_id for case in cases})
        .select_related("borrower")
        .order_by("pk")
    )
    by_borrower: dict[int, list[Phone]] = {}
    for phone in phones:
        by_borrower.setdefault(phone.borrower_id, []).append(phone)
    # evaluate_many judges each phone about one debt: a borrower with several cases on the page
    # (rare) takes one more batch per extra case, never one per row.
    answers: dict[int, CaseContact] = {}
    pending = cases
    while pending:
        batch: list[Case] = []
        rest: list[Case] = []
        seen: set[int] = set()
        for case in pending:
            (rest if case.account.borrower_id in seen else batch).append(case)
            seen.add(case.account.borrower_id)
        decisions = evaluate_many(
            [p for case in batch for p in by_borrower.get(case.account.borrower_id, [])],
            at=at,
            source=ContactAttempt.Source.AGENT,
            accounts={
                p.pk: case.account for case in batch for p in by_borrower.get(case.account.borrower_id, [])
            },
        )
        for case in batch:
            best_phone: Phone | None = None
            best: Decision | None = None
            for phone in by_borrower.get(case.account.borrower_id, []):
                decision = decisions.get(phone.pk)
                if decision is not None and (best is None or _better(decision, best)):
                    best_phone, best = phone, decision
            answers[case.pk] = CaseContact(phone=best_phone, decision=best)
        pending = rest
    return answers
