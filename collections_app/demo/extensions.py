"""The demo book's extensions: six months of requests negotiated on hardship calls, and a few waiting.

On a right-party hardship call (``demo.activity``) of a case the shipped SOP covers (its buckets and
products), the agent ran the script and submitted a deferral of the next installment. A supervisor
(else a team lead) decided it a day later: most were applied, some rejected with a reason, some
cancelled when the borrower did not confirm. An applied one deferred an installment that the book
now shows on its later date: its schedule before is today's with that installment
``DAYS_DEFERRED`` days earlier, so the case screen's "before -> after" agrees with the schedule
the agent reads. Each request has the audit trail of its steps, dated when they happened, which the
case's decision history and the approvals page read. At most one request per account (the SOP
allows one extension a year). A few open cases get a request submitted yesterday and still waiting,
for the approvals page, its menu count and the Today board.

Bulk writes over the demo book, like ``demo.activity``: not the product's path (which locks the
account and changes the schedule), and nothing here changes an installment.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from accounts.models import AuditEntry, Installment
from collections_app import roles
from collections_app.models import Case, ContactAttempt, ExtensionRequest, ExtensionSop
from collections_app.models.extensions import HARDSHIP_REASONS

DAYS_DEFERRED = 30
WAITING = 3
# What happened to a request decided in the past: applied most of the time.
DECISIONS = (("applied", 60), ("rejected", 25), ("cancelled", 15))
REJECTIONS = (
    "No proof of the hardship was sent.",
    "Repaid too little of the loan for a deferral.",
    "The borrower can pay with a promise instead.",
)
CANCELLATIONS = ("The borrower did not call back to confirm.", "The borrower paid before the deferral.")
Status = ExtensionRequest.Status


@dataclass(frozen=True)
class Candidate:
    """A right-party hardship call: where an agent would start an extension."""

    attempt: ContactAttempt
    case: Case
    user_id: int


def demo_extensions_seed(*, candidates: Sequence[Candidate], today: dt.date, rng: random.Random) -> int:
    """Write the requests of ``candidates`` (first hardship call of each account the SOP covers)
    and ``WAITING`` submitted ones on open cases; the number of requests written."""
    sops = list(ExtensionSop.objects.filter(active=True).prefetch_related("steps").order_by("pk"))
    deciders = _deciders()
    if not sops or not deciders:
        return 0
    taken: set[int] = set(ExtensionRequest.objects.values_list("account_id", flat=True))
    chosen: list[tuple[Candidate, ExtensionSop]] = []
    for candidate in candidates:
        sop = _sop_for(sops, candidate.case)
        if sop is not None and candidate.case.account_id not in taken:
            taken.add(candidate.case.account_id)
            chosen.append((candidate, sop))
    waiting = _waiting_cases(sops, taken, rng)
    loan_ids = {c.case.account_id for c, _s in chosen} | {case.account_id for case, _s in waiting}
    schedules = _schedules(loan_ids)
    usernames = dict(User.objects.filter(pk__in={c.user_id for c, _s in chosen}).values_list("pk", "username"))

    rows: list[tuple[ExtensionRequest, list[AuditEntry]]] = []
    for candidate, sop in chosen:
        agent = User(pk=candidate.user_id, username=usernames.get(candidate.user_id, ""))
        row = _decided(candidate, agent, sop, schedules.get(candidate.case.account_id, []), deciders, rng)
        if row:
            rows.append(row)
    for case, sop in waiting:
        row = _waiting(case, sop, schedules.get(case.account_id, []), today, rng)
        if row:
            rows.append(row)

    requests = [request for request, _entries in rows]
    created = {id(request): request.created_at for request in requests}
    ExtensionRequest.objects.bulk_create(requests)
    for request in requests:  # created_at is auto_now_add: set the day it was made afterwards
        request.created_at = created[id(request)]
    ExtensionRequest.objects.bulk_update(requests, ["created_at"])
    entries: list[AuditEntry] = []
    for request, steps in rows:
        for entry in steps:
            entry.object_id = str(request.pk)
            entries.append(entry)
    stamps = [entry.at for entry in entries]
    AuditEntry.objects.bulk_create(entries)
    for entry, at in zip(entries, stamps, strict=True):
        entry.at = at
    AuditEntry.objects.bulk_update(entries, ["at"])
    return len(requests)


def _deciders() -> list[User]:
    supervisors = list(User.objects.filter(groups__name=roles.SUPERVISOR).order_by("pk"))
    return supervisors or list(User.objects.filter(groups__name=roles.TEAM_LEAD).order_by("pk"))


def _sop_for(sops: Sequence[ExtensionSop], case: Case) -> ExtensionSop | None:
    for sop in sops:
        products = [p.strip() for p in sop.products.split(",") if p.strip()]
        if case.bucket in {b.strip() for b in sop.buckets.split(",")} and (
            not products or case.account.product in products
        ):
            return sop
    return None


def _waiting_cases(sops: Sequence[ExtensionSop], taken: set[int], rng: random.Random) -> list[tuple[Case, ExtensionSop]]:
    open_cases = (
        Case.objects.filter(closed_on__isnull=True, agent__isnull=False)
        .exclude(account_id__in=taken)
        .select_related("account", "agent")
        .order_by("pk")
    )
    fitting = [(case, sop) for case in open_cases if (sop := _sop_for(sops, case)) is not None]
    return rng.sample(fitting, min(WAITING, len(fitting)))


def _schedules(loan_ids: set[int]) -> dict[int, list[Installment]]:
    by_loan: dict[int, list[Installment]] = defaultdict(list)
    for installment in Installment.objects.filter(loan_id__in=loan_ids).order_by("loan_id", "seq"):
        by_loan[installment.loan_id].append(installment)
    return by_loan


def _schedule(installments: Sequence[Installment], *, moved: int | None = None) -> list[dict[str, str | int]]:
    """The schedule as ``extension_apply`` records it; ``moved``'s due date ``DAYS_DEFERRED`` days earlier."""
    return [
        {
            "seq": i.seq,
            "due_date": (i.due_date - dt.timedelta(days=DAYS_DEFERRED if i.seq == moved else 0)).isoformat(),
            "principal_due": str(i.principal_due),
            "interest_due": str(i.interest_due),
            "fee_due": str(i.fee_due),
            "penalty_due": str(i.penalty_due),
        }
        for i in installments
    ]


def _script(sop: ExtensionSop, at: dt.datetime, username: str) -> dict[str, Any]:
    return {
        step.code: {"at": (at + dt.timedelta(minutes=n)).isoformat(), "by": username}
        for n, step in enumerate(sop.steps.all())
    }


def _entry(action: str, user: User, at: dt.datetime, status: str, reason: str = "") -> AuditEntry:
    return AuditEntry(
        actor=user, actor_label=user.username, action=action, object_type=ExtensionRequest._meta.label_lower,
        object_id="", after={"status": status}, reason=reason, at=at,
    )  # fmt: skip


def _decided(
    candidate: Candidate, agent: User, sop: ExtensionSop, installments: Sequence[Installment], deciders: Sequence[User],
    rng: random.Random,
) -> tuple[ExtensionRequest, list[AuditEntry]] | None:  # fmt: skip
    """A request made on the call and decided the next day. Applied only when an installment falls
    due within ``DAYS_DEFERRED`` days after the call (the one it deferred), else rejected or cancelled."""
    call_day = candidate.attempt.placed_at.date()
    deferred = next(
        (i for i in installments if call_day < i.due_date <= call_day + dt.timedelta(days=DAYS_DEFERRED)), None
    )
    decision = rng.choices([d for d, _w in DECISIONS], [w for _d, w in DECISIONS])[0]
    if decision == "applied" and deferred is None:
        decision = "rejected"
    target = deferred or next((i for i in installments if i.due_date > call_day), None)
    if target is None:
        return None
    decider = rng.choice(deciders)
    made = (candidate.attempt.ended_at or candidate.attempt.placed_at) + dt.timedelta(minutes=2)
    submitted = made + dt.timedelta(minutes=len(sop.steps.all()) + 3)
    decided = submitted + dt.timedelta(hours=rng.randint(18, 30))
    request = _request(candidate.case, sop, agent, made, submitted, [target.seq], rng)
    steps = [_entry("extension.create", agent, made, Status.DRAFT), _entry("extension.submit", agent, submitted, Status.SUBMITTED)]
    request.approver = decider
    request.decided_at = decided
    if decision == "cancelled":
        request.status = Status.CANCELLED
        request.cancelled_at = decided
        request.decision_reason = rng.choice(CANCELLATIONS)
        steps.append(_entry("extension.cancel", decider, decided, Status.CANCELLED, request.decision_reason))
        request.approver = None
        request.decided_at = None
    elif decision == "rejected":
        request.status = Status.REJECTED
        request.decision_reason = rng.choice(REJECTIONS)
        steps.append(_entry("extension.reject", decider, decided, Status.REJECTED, request.decision_reason))
    else:
        request.status = Status.APPLIED
        request.decision_reason = "Hardship confirmed."
        request.applied_at = decided + dt.timedelta(minutes=1)
        request.schedule_before = _schedule(installments, moved=target.seq)
        request.schedule_after = _schedule(installments)
        steps.append(_entry("extension.approve", decider, decided, Status.APPROVED, request.decision_reason))
        steps.append(_entry("extension.apply", decider, request.applied_at, Status.APPLIED))
    return request, steps


def _waiting(
    case: Case, sop: ExtensionSop, installments: Sequence[Installment], today: dt.date, rng: random.Random
) -> tuple[ExtensionRequest, list[AuditEntry]] | None:
    unpaid = next((i for i in installments if i.settled_on is None), None)
    if unpaid is None or case.agent is None:
        return None
    agent = User.objects.get(pk=case.agent.user_id)
    made = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(14, rng.randint(0, 59)), tzinfo=dt.UTC)
    submitted = made + dt.timedelta(minutes=len(sop.steps.all()) + 3)
    request = _request(case, sop, agent, made, submitted, [unpaid.seq], rng)
    return request, [_entry("extension.create", agent, made, Status.DRAFT), _entry("extension.submit", agent, submitted, Status.SUBMITTED)]


def _request(
    case: Case, sop: ExtensionSop, agent: User, made: dt.datetime, submitted: dt.datetime, seqs: list[int],
    rng: random.Random,
) -> ExtensionRequest:  # fmt: skip
    return ExtensionRequest(
        case=case, account_id=case.account_id, sop=sop, bucket=case.bucket, requested_by_id=agent.pk,
        status=Status.SUBMITTED, installment_seqs=seqs, days_deferred=DAYS_DEFERRED,
        hardship_reason=rng.choice(list(HARDSHIP_REASONS)), script=_script(sop, made, agent.username),
        created_at=made, submitted_at=submitted,
    )  # fmt: skip

