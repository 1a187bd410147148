"""The dialer's call list: the numbers callable now, by priority, decided by the engine a page at a time.

Order: case priority (high first), days past due (high first), case id, then phone id. A page is
read in chunks of open cases in that order, as tuples; the numbers of each chunk (do-not-call and
uncallable numbers left out in SQL) are decided together (``_decide``), so a chunk costs the same
two queries whatever its size (more when a borrower has preferences or history, or the debt a
promise). The first chunk has a quarter more cases than the page asks rows (most cases have a
callable number now, so one chunk usually fills the page); the next ones as many as the share of
callable numbers met so far says are needed for the rest; a page reads at most ``MAX_CHUNKS``
chunks.

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
import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet, TextField
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from accounts.models import Borrower, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt, PromiseToPay
from collections_app.selectors.promise_hold import held_by_promise
from config.errors import DomainError
from config.pii import decrypt
from config.roundtrips import hot_read
from scheduling.engine import Decision, decision_for, evaluate_many, history_channels, history_since
from scheduling.engine.policies import policies_snapshot
from scheduling.models import ContactPreference

M = TypeVar("M", bound=Model)
MAX_CHUNKS = 4
MIN_CHUNK = 50
FIRST_CHUNK_TIMES_LIMIT = 1.25
MAX_CHUNK_TIMES_LIMIT = 4  # a chunk reads at most this many cases per row asked
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


# What a page reads of a case, its account and borrower: the row's fields, then what the engine
# needs, then whether anything but these is a fact of its decision (``_quiet``).
_CASE_FIELDS = (
    "pk", "priority", "dpd", "bucket", "overdue_amount", "agent__user__username", "account__external_id",
    "account__borrower_id", "account__borrower__external_id", "account__borrower__timezone", "account__currency",
    "account_id", "account__status", "account__product",
    "account__borrower__country", "account__borrower__region", "account__borrower__deceased",
    "account__borrower__bankruptcy", "account__borrower__attorney_represented", "quiet",
)  # fmt: skip
_ROW = slice(0, 11)  # CallListCase
_ACCOUNT = (11, 12, 13, 7)  # the values of _ACCOUNT_ATTNAMES
_BORROWER = (7, 9, 14, 15, 16, 17, 18)  # the values of _BORROWER_ATTNAMES
_QUIET = 19
# A quiet case's values the engine reads but its ids (``_decide``).
_account_key, _borrower_key = itemgetter(*_ACCOUNT[1:3]), itemgetter(*_BORROWER[1:])
_ACCOUNT_ATTNAMES = ["id", "status", "product", "borrower_id"]
_BORROWER_ATTNAMES = ["id", "timezone", "country", "region", "deceased", "bankruptcy", "attorney_represented"]
# What the engine reads of a number (``loading._phone_facts``), then the number itself as stored:
# encrypted at rest, decrypted only for the rows the page sends (a chunk reads many more).
_PHONE_ATTNAMES = [
    "id", "borrower_id", "type", "owner", "third_party_may_contact", "autodialer_consent",
    "do_not_call", "uncallable", "timezones", "sms_consent", "sms_opted_out",
]  # fmt: skip
_PHONE_ID, _PHONE_FACTS, _PHONE_SEALED = 0, slice(2, -1), -1


def _open_cases(*, team: str | None, bucket: str | None, at: dt.datetime) -> QuerySet[Case]:
    """Open cases, without those an open promise holds (the engine decides the rest exactly)."""
    cases = Case.objects.filter(status=Case.Status.OPEN).exclude(held_by_promise(at=at))
    if team:
        cases = cases.filter(team_id=int(team)) if team.isdigit() else cases.filter(team__name=team)
    if bucket:
        cases = cases.filter(bucket=bucket)
    return cases


def _quiet() -> Q:
    """Cases whose decisions may read nothing but the case's row, its account, borrower and number:
    the borrower has no contact preferences and the debt no open promise. Quiet only if, besides, the
    borrower has no call dialed since ``_history_since`` (``_contacted``, read per chunk). What the engine
    loads beyond the rows (``loading.subjects_load``) is then empty, so equal rows get equal
    decisions. A case not quiet is decided with its loaded facts."""
    borrower = OuterRef("account__borrower_id")
    return ~Q(Exists(ContactPreference.objects.filter(borrower_id=borrower))) & ~Q(
        Exists(PromiseToPay.objects.filter(account_id=OuterRef("account_id"), status=PromiseToPay.Status.OPEN))
    )


def _history_since(at: dt.datetime) -> dt.datetime:
    """The earliest instant any call rule's history reads."""
    call_rules = [r for (_p, channel), r in policies_snapshot().rules.items() if channel == ContactAttempt.Channel.CALL]
    return history_since(at, call_rules)


# A chunk's borrowers with an attempt a call's decision reads (``history_channels``: calls; not those
# not dialed) on any of their debts since an instant: per debt of the borrowers, the first such
# attempt through the (account, placed_at) index, in each month's partition the instant reaches; the
# debt's texts and e-mails of the window are read from the heap and passed over (a few per debt).
# The LATERAL subquery's LIMIT keeps it a nested loop over the chunk's debts.
# As a NOT EXISTS in the chunk's statement, PostgreSQL hashed every attempt of the week with its
# borrower for every page instead (~250 ms of a 410 ms page with 49,433 attempts on the 1M book), so
# a page's time grew with the week's attempts rather than with its rows.
_CONTACTED_SQL = (
    "SELECT DISTINCT a.borrower_id FROM {accounts} a CROSS JOIN LATERAL"
    " (SELECT 1 FROM {attempts} c WHERE c.account_id = a.id AND c.placed_at >= %s"
    " AND c.channel = ANY(%s) AND c.status <> %s LIMIT 1) AS hit"
    " WHERE a.borrower_id = ANY(%s)"
)


def _contacted(borrower_ids: set[int], since: dt.datetime) -> set[int]:
    """The borrowers of ``borrower_ids`` with an attempt placed at or after ``since`` on any of their
    debts that a call's decision reads: their cases are not quiet (``_quiet``). A borrower only texted
    or e-mailed stays quiet: no call rule reads those channels (``history_channels``), and the bench's
    messaging texts tens of thousands of borrowers with open cases before the dialer reads its list."""
    if not borrower_ids:
        return set()
    channels = sorted(history_channels(ContactAttempt.Channel.CALL))
    if connection.vendor != "postgresql":
        attempts = ContactAttempt.objects.filter(
            account__borrower_id__in=borrower_ids, placed_at__gte=since, channel__in=channels
        ).exclude(status=ContactAttempt.Status.NOT_DIALED)
        return set(attempts.order_by().values_list("account__borrower_id", flat=True).distinct())
    quote = connection.ops.quote_name
    sql = _CONTACTED_SQL.format(
        accounts=quote(LoanAccount._meta.db_table), attempts=quote(ContactAttempt._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, channels, ContactAttempt.Status.NOT_DIALED.value, list(borrower_ids)])
        return {row[0] for row in cursor.fetchall()}


# The keyset: at or after the position's case in the order (its own case too: its later phones are
# left). The row comparison ``(priority, dpd) <= (p, d)`` says nothing the three cases after it do not,
# but PostgreSQL bounds the index scan in the list's order with it (``case_open_call_order_idx``, both
# columns descending): the scan starts at the position's group of equal priority and DPD. With the
# three cases alone it read every case before the cursor and left them out one by one after fetching
# each row: on the 100,000-account book the page after 4,000 cases fetched 4,500 rows (13,504
# buffers) to return 500. Now it leaves out only the position's group's cases before it.
_KEYSET = (
    '({t}."priority", {t}."dpd") <= (%s, %s) AND ({t}."priority" < %s OR ({t}."priority" = %s AND {t}."dpd" < %s)'
    ' OR ({t}."priority" = %s AND {t}."dpd" = %s AND {t}."id" >= %s))'
)
# Before every case: no priority reaches 2**31 (an integer column).
_START = CallListCursor(priority=2**31, dpd=0, case_id=0, phone_id=0)


def _keyset_values(position: CallListCursor) -> tuple[int, ...]:
    p, d, case_id = position.priority, position.dpd, position.case_id
    return (p, d, p, p, d, p, d, case_id)


class _Chunks:
    """The page's statement for its chunks, compiled once: the ORM's compiling of this query (the
    promise hold's and ``_quiet``'s subqueries) cost more Python than reading its rows, once per
    chunk. Each chunk runs the same text with its position and size as parameters. Not prepared:
    PostgreSQL's generic plan of it (no values for the position and the size) reads every open case
    in parallel and sorts them (150 ms on the 100,000-account book against 25 ms), and its custom
    plans are the ones wanted."""

    def __init__(self, base: QuerySet[Case]) -> None:
        marks = [object() for _ in _keyset_values(_START)]  # where the position goes in the parameters
        keyset = RawSQL(_KEYSET.format(t=connection.ops.quote_name(Case._meta.db_table)), marks, BooleanField())
        self._compiler = base.filter(keyset).values_list(*_CASE_FIELDS).query.get_compiler(DEFAULT_DB_ALIAS)
        sql, params = self._compiler.as_sql()
        self._sql = f"{sql} LIMIT %s"
        self._params = list(params)
        self._slots = [next(i for i, value in enumerate(self._params) if value is mark) for mark in marks]

    def read(self, position: CallListCursor | None, size: int) -> list[tuple[Any, ...]]:
        """The next ``size`` cases in the order from ``position`` (the start when None) as tuples
        (``_CASE_FIELDS``), converted as the ORM converts them."""
        params = list(self._params)
        for slot, value in zip(self._slots, _keyset_values(position or _START), strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self._sql, [*params, size])
            rows = cursor.fetchall()
        return list(self._compiler.results_iter(results=[rows], tuple_expected=True))


def _bare(model: type[M], attnames: list[str], values: Sequence[Any]) -> M:
    """An instance holding only ``attnames`` (the rest deferred), as ``Model.from_db`` makes one but
    without its walk over every field of the model (no signal is connected to these models' init)."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


def _bare_pair(case: tuple[Any, ...], phone: tuple[Any, ...]) -> tuple[LoanAccount, Phone]:
    """The debt and number of a row as the engine reads them: bare objects of the values read."""
    borrower = _bare(Borrower, _BORROWER_ATTNAMES, [case[i] for i in _BORROWER])
    account = _bare(LoanAccount, _ACCOUNT_ATTNAMES, [case[i] for i in _ACCOUNT])
    account.borrower = borrower
    number = _bare(Phone, _PHONE_ATTNAMES, phone[:_PHONE_SEALED])
    number.borrower = borrower
    return account, number


def _decide_pairs(pairs: list[tuple[LoanAccount, Phone]], *, at: dt.datetime, quiet: bool) -> list[Decision]:
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
            quiet=quiet,
        )
        for phone_id, index in batch.items():
            decisions[index] = decided[phone_id]
        pending = rest
    return [d for d in decisions if d is not None]


def _decide(
    pairs: list[tuple[tuple[Any, ...], tuple[Any, ...]]],
    *,
    at: dt.datetime,
    groups: dict[Hashable, Decision],
    contacted: set[int],
) -> list[tuple[Decision, int, int]]:
    """The engine's decision of each (case row, phone row), with the ids it is for.

    The numbers of quiet cases (``_quiet``, their borrowers not ``contacted``) with equal rows but
    their ids (every value the bare objects the engine reads carry) are decided once, by the engine,
    for the first of them: a handful of policies, zones and flags at one instant. ``groups`` holds
    those decisions from one chunk of the page to the next. The others are decided with their facts.
    """
    keys = []
    new: dict[Hashable, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}  # a pair of each group not yet decided
    other: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    for case, phone in pairs:
        if case[_QUIET] and case[_BORROWER[0]] not in contacted:
            key: Hashable = (_account_key(case), _borrower_key(case), phone[_PHONE_FACTS])
            if key not in groups and key not in new:
                new[key] = (case, phone)
        else:
            key = len(other)  # its place in ``other``
            other.append((case, phone))
        keys.append(key)
    if new:
        decided = _decide_pairs([_bare_pair(*pair) for pair in new.values()], at=at, quiet=True)
        groups.update(zip(new, decided, strict=True))
    others = _decide_pairs([_bare_pair(*pair) for pair in other], at=at, quiet=False) if other else []
    return [
        (others[key] if isinstance(key, int) else groups[key], case[_ACCOUNT[0]], phone[_PHONE_ID])
        for (case, phone), key in zip(pairs, keys, strict=True)
    ]


_PHONE_STATEMENT: list[tuple[Any, str, list[Any], int]] = []  # compiled once per process (PostgreSQL)


def _phones(borrower_ids: set[int]) -> dict[int, list[tuple[Any, ...]]]:
    """The callable numbers of the borrowers as tuples (``_PHONE_ATTNAMES``, then the number as
    stored), by borrower. On PostgreSQL the statement, the borrowers' ids one array parameter, is
    compiled once per process: the ORM's compiling of it cost more Python than its rows."""
    by_borrower: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    sealed = Cast("number", output_field=TextField())  # read as stored: no decryption
    phones = Phone.objects.filter(do_not_call=False, uncallable=False).order_by("borrower_id", "pk")
    if connection.vendor != "postgresql":
        rows: Any = phones.filter(borrower_id__in=borrower_ids).values_list(*_PHONE_ATTNAMES, sealed)
    else:
        if not _PHONE_STATEMENT:
            mark = object()  # where the ids go in the parameters
            ids = RawSQL('"accounts_phone"."borrower_id" = ANY(%s)', (mark,), BooleanField())
            compiler = phones.filter(ids).values_list(*_PHONE_ATTNAMES, sealed).query.get_compiler(DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            _PHONE_STATEMENT.append(
                (compiler, sql, list(params), next(i for i, v in enumerate(params) if v is mark))
            )
        compiler, sql, params, slot = _PHONE_STATEMENT[0]
        params = [list(borrower_ids) if i == slot else value for i, value in enumerate(params)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        rows = compiler.results_iter(results=[fetched], tuple_expected=True)
    for row in rows:
        by_borrower[row[1]].append(row)
    return by_borrower


def call_list(
    *,
    at: dt.datetime,
    limit: int,
    cursor: CallListCursor | None = None,
    team: str | None = None,
    bucket: str | None = None,
) -> CallListPage:
    """Up to ``limit`` (case, number) rows callable at ``at``, from ``cursor`` on, and where to go on.
    Read in one transaction planned as a hot path's (``hot_read``: no parallel workers, no JIT)."""
    with hot_read():
        return _call_list_read(at=at, limit=limit, cursor=cursor, team=team, bucket=bucket)


def _call_list_read(
    *, at: dt.datetime, limit: int, cursor: CallListCursor | None, team: str | None, bucket: str | None
) -> CallListPage:
    chunk_size = max(math.ceil(limit * FIRST_CHUNK_TIMES_LIMIT), MIN_CHUNK)
    chunks = _Chunks(
        _open_cases(team=team, bucket=bucket, at=at).annotate(quiet=ExpressionWrapper(_quiet(), BooleanField()))
        .order_by("-priority", "-dpd", "pk")
    )  # fmt: skip
    since = _history_since(at)
    rows: list[CallListRow] = []
    groups: dict[Hashable, Decision] = {}
    position = cursor
    examined = 0
    for _chunk_number in range(MAX_CHUNKS):
        cases = chunks.read(position, chunk_size)
        if not cases:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
        borrower_ids = {case[7] for case in cases}
        phones_by_borrower = _phones(borrower_ids)
        contacted = _contacted(borrower_ids, since)
        pairs = [
            (case, phone)
            for case in cases
            for phone in phones_by_borrower[case[7]]
            if not (position and case[0] == position.case_id and phone[_PHONE_ID] <= position.phone_id)
        ]
        decided = {
            (case[0], phone_id): (decision, account_id)
            for (case, _phone), (decision, account_id, phone_id) in zip(
                pairs, _decide(pairs, at=at, groups=groups, contacted=contacted), strict=True
            )
        }
        for row in cases:
            case = CallListCase(*row[_ROW])
            examined += 1
            for phone in phones_by_borrower[case.borrower_id]:
                phone_id = phone[_PHONE_ID]
                found = decided.get((case.id, phone_id))
                if found is None or not found[0].allowed:
                    continue
                decision = decision_for(found[0], found[1], phone_id)
                number = decrypt(phone[_PHONE_SEALED])
                rows.append(CallListRow(case=case, phone_id=phone_id, number=number, decision=decision))
                if len(rows) == limit:
                    return CallListPage(
                        rows=rows,
                        next_cursor=CallListCursor(case.priority, case.dpd, case.id, phone_id),
                        cases_examined=examined,
                    )
            position = CallListCursor(case.priority, case.dpd, case.id, PAST_EVERY_PHONE)
        if len(cases) < chunk_size:
            return CallListPage(rows=rows, next_cursor=None, cases_examined=examined)
        chunk_size = _next_chunk_size(limit=limit, rows=len(rows), examined=examined, last=chunk_size)
    return CallListPage(rows=rows, next_cursor=position, cases_examined=examined)


def _next_chunk_size(*, limit: int, rows: int, examined: int, last: int) -> int:
    """Enough cases for the rows still wanted at the share of callable ones met so far, and a quarter
    more; twice the last chunk while none was callable."""
    most = max(limit, MIN_CHUNK) * MAX_CHUNK_TIMES_LIMIT
    if not rows:
        return min(most, 2 * last)
    return max(MIN_CHUNK, min(most, math.ceil((limit - rows) * examined / rows * 1.25)))
