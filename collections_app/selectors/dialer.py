"""The dialer's call list: the numbers callable now, by priority, decided by the engine a page at a time.

Order: case priority (high first), days past due (high first), case id, then phone id. A page is
read in chunks of open cases in that order; the numbers of each chunk (do-not-call and uncallable
numbers left out in SQL) are decided together with ``evaluate_many``, so a chunk costs the same
few queries whatever its size, and a page reads at most ``MAX_CHUNKS`` chunks.

The cursor is a keyset position ``(priority, dpd, case id, phone id)`` of the last row looked at,
not an offset: cases added, closed or refused meanwhile do not shift the rows after it. A case
whose priority or DPD changes between two pages moves in the order and may be met again or not
at all in this pass; the next pass (a new list without a cursor) sees it where it now stands.
A page may hold fewer rows than asked (even none) while ``next`` is set: the cases looked at were
not callable now; keep following ``next`` until it is null.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import LoanAccount, Phone
from collections_app.models import Case, ContactAttempt
from collections_app.selectors.promise_hold import held_by_promise
from config.errors import DomainError
from scheduling.engine import Decision, evaluate_many

MAX_CHUNKS = 4
MIN_CHUNK = 50
PAST_EVERY_PHONE = 2**53  # a cursor after a whole case


@dataclass(frozen=True)
class CallListCursor:
    priority: int
    dpd: int
    case_id: int
    phone_id: int

    def encode(self) -> str:
        raw = json.dumps([self.priority, self.dpd, self.case_id, self.phone_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> CallListCursor:
        try:
            values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if not (isinstance(values, list) and len(values) == 4 and all(type(v) is int for v in values)):
                raise ValueError
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise DomainError(
                _("The cursor is not valid."), errors={"cursor": [_("Not a cursor of the call list.")]}
            ) from exc
        return cls(*values)


@dataclass(frozen=True)
class CallListRow:
    case: Case
    phone: Phone
    decision: Decision


@dataclass(frozen=True)
class CallListPage:
    rows: list[CallListRow]
    next_cursor: CallListCursor | None
    cases_examined: int


def _open_cases(*, team: str | None, bucket: str | None, at: dt.datetime) -> QuerySet[Case]:
    """Open cases, without those an open promise holds (the engine decides the rest exactly)."""
    cases = Case.objects.filter(status=Case.Status.OPEN).exclude(held_by_promise(at=at))
    if team:
        cases = cases.filter(team_id=int(team)) if team.isdigit() else cases.filter(team__name=team)
    if bucket:
        cases = cases.filter(bucket=bucket)
    return cases


def _after(cases: QuerySet[Case], cursor: CallListCursor | None) -> QuerySet[Case]:
    """Cases at or after the cursor's case in the order (its own case too: its later phones are left)."""
    if cursor is None:
        return cases
    return cases.filter(
        Q(priority__lt=cursor.priority)
        | Q(priority=cursor.priority, dpd__lt=cursor.dpd)
        | Q(priority=cursor.priority, dpd=cursor.dpd, pk__gte=cursor.case_id)
    )


def _decide(pairs: list[tuple[Case, Phone]], *, at: dt.datetime) -> list[Decision]:
    """One decision per (case, phone); a number shared by two cases of a borrower is decided per case."""
    decisions: list[Decision | None] = [None] * len(pairs)
    pending = list(range(len(pairs)))
    while pending:
        batch: dict[int, int] = {}
        rest: list[int] = []
        for index in pending:
            phone_id = pairs[index][1].pk
            if phone_id in batch:
                rest.append(index)
            else:
                batch[phone_id] = index
        accounts: dict[int, LoanAccount] = {phone_id: pairs[i][0].account for phone_id, i in batch.items()}
        decided = evaluate_many(
            [pairs[i][1] for i in batch.values()],
            at=at,
            channel=ContactAttempt.Channel.CALL,
            source=ContactAttempt.Source.DIALER,
            accounts=accounts,
        )
        for phone_id, index in batch.items():
            decisions[index] = decided[phone_id]
        pending = rest
    return [d for d in decisions if d is not None]


def call_list(
    *,
    at: dt.datetime,
    limit: int,
    cursor: CallListCursor | None = None,
    team: str | None = None,
    bucket: str | None = None,
) -> CallListPage:
    """Up to ``limit`` (case, number) rows callable at ``at``, from ``cursor`` on, and where to go on."""
    chunk_size = max(limit, MIN_CHUNK)
    base = (
        _open_cases(team=team, bucket=bucket, at=at)
        .select_related("account__borrower")
        .annotate(agent_username=F("agent__user__username"))  # a name, not two more objects a row
        .order_by("-priority", "-dpd", "pk")
    )
    rows: list[CallListRow] = []
    position = cursor
    examined = 0
    for _chunk in range(MAX_CHUNKS):
        cases = list(_after(base, position)[:chunk_size])
        if not cases:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
        phones_by_borrower: dict[int, list[Phone]] = defaultdict(list)
        for phone in Phone.objects.filter(
            borrower_id__in={case.account.borrower_id for case in cases}, do_not_call=False, uncallable=False
        ).order_by("borrower_id", "pk"):
            phones_by_borrower[phone.borrower_id].append(phone)
        for case in cases:  # the engine needs each phone's borrower: the case has it already
            for phone in phones_by_borrower[case.account.borrower_id]:
                phone.borrower = case.account.borrower
        pairs = [
            (case, phone)
            for case in cases
            for phone in phones_by_borrower[case.account.borrower_id]
            if not (position and case.pk == position.case_id and phone.pk <= position.phone_id)
        ]
        decisions = _decide(pairs, at=at)
        decided = {(case.pk, phone.pk): d for (case, phone), d in zip(pairs, decisions, strict=True)}
        for case in cases:
            examined += 1
            for phone in phones_by_borrower[case.account.borrower_id]:
                decision = decided.get((case.pk, phone.pk))
                if decision is None or not decision.allowed:
                    continue
                rows.append(CallListRow(case=case, phone=phone, decision=decision))
                if len(rows) == limit:
                    return CallListPage(
                        rows=rows,
                        next_cursor=CallListCursor(case.priority, case.dpd, case.pk, phone.pk),
                        cases_examined=examined,
                    )
            position = CallListCursor(case.priority, case.dpd, case.pk, PAST_EVERY_PHONE)
        if len(cases) < chunk_size:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
    return CallListPage(rows=rows, next_cursor=position, cases_examined=examined)
