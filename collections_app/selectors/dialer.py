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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Borrower, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt
from collections_app.selectors.promise_hold import held_by_promise
from config.errors import DomainError
from scheduling.engine import Decision, evaluate_many

M = TypeVar("M", bound=Model)
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
class CallListCase:
    """A case of the list as the dialer reads it (read as a tuple, no model objects)."""

    id: int
    priority: int
    dpd: int
    bucket: str
    overdue_amount: Decimal
    agent_username: str | None
    account_external_id: str
    borrower_id: int
    borrower_external_id: str
    timezone: str
    currency: str


@dataclass(frozen=True)
class CallListRow:
    case: CallListCase
    phone_id: int
    number: str
    decision: Decision


@dataclass(frozen=True)
class CallListPage:
    rows: list[CallListRow]
    next_cursor: CallListCursor | None
    cases_examined: int


# What a page reads of a case, its account and borrower: the row's fields, then what the engine needs.
_CASE_FIELDS = (
    "pk", "priority", "dpd", "bucket", "overdue_amount", "agent__user__username", "account__external_id",
    "account__borrower_id", "account__borrower__external_id", "account__borrower__timezone", "account__currency",
    "account_id", "account__status", "account__product", "account__dpd",
    "account__borrower__country", "account__borrower__region", "account__borrower__deceased",
    "account__borrower__bankruptcy", "account__borrower__attorney_represented",
)  # fmt: skip
_ACCOUNT_ATTNAMES = ["id", "status", "product", "dpd", "borrower_id"]
_BORROWER_ATTNAMES = ["id", "timezone", "country", "region", "deceased", "bankruptcy", "attorney_represented"]
# What the engine reads of a number (``loading._phone_facts``), and the number itself.
_PHONE_ATTNAMES = [
    "id", "borrower_id", "number", "type", "owner", "third_party_may_contact", "autodialer_consent",
    "do_not_call", "uncallable", "timezones", "sms_consent", "sms_opted_out",
]  # fmt: skip


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


def _decide(pairs: list[tuple[LoanAccount, Phone]], *, at: dt.datetime) -> list[Decision]:
    """One decision per (debt, phone); a number shared by two cases of a borrower is decided per case."""
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
        accounts: dict[int, LoanAccount] = {phone_id: pairs[i][0] for phone_id, i in batch.items()}
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


def _bare(model: type[M], attnames: list[str], values: Sequence[Any]) -> M:
    """An instance holding only ``attnames`` (given in that order; the rest deferred)."""
    order = _order(model, tuple(attnames))
    return model.from_db(DEFAULT_DB_ALIAS, [attnames[i] for i in order], [values[i] for i in order])


@cache
def _order(model: type[Model], attnames: tuple[str, ...]) -> list[int]:
    """The positions of ``attnames`` in the model's field order (``from_db`` takes them so)."""
    position = {f.attname: n for n, f in enumerate(model._meta.concrete_fields)}
    return sorted(range(len(attnames)), key=lambda i: position[attnames[i]])


def _chunk(base: QuerySet[Case], position: CallListCursor | None, size: int) -> list[tuple[CallListCase, LoanAccount]]:
    """The next cases in the order as tuples, each with its debt (a bare account with its borrower,
    what the engine reads of them)."""
    out = []
    for row in _after(base, position).values_list(*_CASE_FIELDS)[:size]:
        borrower = _bare(Borrower, _BORROWER_ATTNAMES, (row[7], row[9], *row[15:20]))
        account = _bare(LoanAccount, _ACCOUNT_ATTNAMES, (row[11], row[12], row[13], row[14], row[7]))
        account.borrower = borrower
        out.append((CallListCase(*row[:11]), account))
    return out


def _phones(accounts: list[LoanAccount]) -> dict[int, list[Phone]]:
    """The callable numbers of the accounts' borrowers (do-not-call and uncallable ones left out), by
    borrower, each with its borrower."""
    borrowers = {a.borrower_id: a.borrower for a in accounts}
    by_borrower: dict[int, list[Phone]] = defaultdict(list)
    rows = (
        Phone.objects.filter(borrower_id__in=set(borrowers), do_not_call=False, uncallable=False)
        .order_by("borrower_id", "pk")
        .values_list(*_PHONE_ATTNAMES)
    )
    for row in rows:
        phone = _bare(Phone, _PHONE_ATTNAMES, row)
        phone.borrower = borrowers[phone.borrower_id]
        by_borrower[phone.borrower_id].append(phone)
    return by_borrower


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
    base = _open_cases(team=team, bucket=bucket, at=at).order_by("-priority", "-dpd", "pk")
    rows: list[CallListRow] = []
    position = cursor
    examined = 0
    for _chunk_number in range(MAX_CHUNKS):
        cases = _chunk(base, position, chunk_size)
        if not cases:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
        phones_by_borrower = _phones([account for _case, account in cases])
        pairs = [
            (case, account, phone)
            for case, account in cases
            for phone in phones_by_borrower[account.borrower_id]
            if not (position and case.id == position.case_id and phone.pk <= position.phone_id)
        ]
        decisions = _decide([(account, phone) for _case, account, phone in pairs], at=at)
        decided = {(case.id, phone.pk): d for (case, _a, phone), d in zip(pairs, decisions, strict=True)}
        for case, account in cases:
            examined += 1
            for phone in phones_by_borrower[account.borrower_id]:
                decision = decided.get((case.id, phone.pk))
                if decision is None or not decision.allowed:
                    continue
                rows.append(CallListRow(case=case, phone_id=phone.pk, number=phone.number, decision=decision))
                if len(rows) == limit:
                    return CallListPage(
                        rows=rows,
                        next_cursor=CallListCursor(case.priority, case.dpd, case.id, phone.pk),
                        cases_examined=examined,
                    )
            position = CallListCursor(case.priority, case.dpd, case.id, PAST_EVERY_PHONE)
        if len(cases) < chunk_size:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
    return CallListPage(rows=rows, next_cursor=position, cases_examined=examined)
