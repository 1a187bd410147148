"""The raw SQL of the reports, in one place: what the ORM cannot say in one statement.

Two questions need an account's outstanding principal *as of* a past date, for accounts that no
snapshot holds (current accounts are not snapshotted): the book's totals per product at a COB
date, and the month-over-month states of the accounts that moved (both per product and currency). Both use the COB's own rule
(``accounts.services.cob``): principal due minus principal paid as of the date, where paid is the
installment's paid column when no payment after the date touched it, else the sum of its
allocations valued on or before the date; a loan without installments owes its principal.

``tests/reports/test_sql_definitions.py`` compares both with the plain definition computed in
Python, account by account.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection

from accounts.models import CLOSED_CODES

from .definitions import CLOSED_STATES


def _paid_late(param: str, *, movers: bool = False, where: str = "") -> str:
    """The principal allocated on or before ``param`` to each installment a later payment touched.

    One grouped pass over those installments' allocations, joined by hash to the installments,
    instead of a subquery per installment (20 s at 1M accounts). ``movers``: only the installments
    of the accounts in the ``movers`` CTE.
    """
    scope = (" AND pi.loan_id IN (SELECT account_id FROM movers)" if movers else "") + where
    return f"""SELECT a.installment_id, SUM(a.principal) AS principal
               FROM accounts_paymentallocation a
               JOIN accounts_installment pi ON pi.id = a.installment_id
               WHERE pi.last_paid_on > %({param})s AND a.value_date <= %({param})s{scope}
               GROUP BY a.installment_id"""


def _principal_paid_as_of(param: str, late: str) -> str:
    """The installment ``i``'s principal paid as of ``param``; ``late`` is the alias of ``_paid_late``."""
    return f"""CASE WHEN i.last_paid_on IS NULL OR i.last_paid_on <= %({param})s THEN i.principal_paid
                ELSE COALESCE({late}.principal, 0) END"""


def _closed_code(status: str) -> str:
    whens = " ".join(f"WHEN '{value}' THEN '{code}'" for value, code in CLOSED_CODES.items())
    return f"CASE {status} {whens} END"


def _closed_by(alias: str, param: str) -> str:
    return f"({alias}.status <> 'active' AND {alias}.closed_on IS NOT NULL AND {alias}.closed_on <= %({param})s)"


_RANGE = " AND {column} >= %(lo)s AND {column} < %(hi)s"


def _book_totals_sql(*, ranged: bool) -> str:
    """Summed straight into (product, currency): every live account's installments, or its principal
    when it has none (the one row of the outer join without an installment). No group per account:
    at 1M accounts that hash spilled to disk and took most of the statement's time; the sums are the
    same numbers added in another order, and the join's hash holds the accounts, not the installments."""

    def within(column: str) -> str:
        return _RANGE.format(column=column) if ranged else ""

    live = f"l.opened_on <= %(d)s AND NOT {_closed_by('l', 'd')}{within('l.id')}"
    return f"""
WITH paid_late AS ({_paid_late("d", where=within("pi.loan_id"))})
SELECT product, currency, SUM(accounts) AS accounts, COALESCE(SUM(outstanding), 0) AS outstanding
FROM (
    SELECT l.product, l.currency, COUNT(*) AS accounts, 0 AS outstanding
    FROM accounts_loanaccount l WHERE {live} GROUP BY l.product, l.currency
    UNION ALL
    SELECT l.product, l.currency, 0,
           SUM(CASE WHEN i.id IS NULL THEN l.principal ELSE i.principal_due - {_principal_paid_as_of("d", "p")} END)
    FROM accounts_loanaccount l
    LEFT JOIN accounts_installment i ON i.loan_id = l.id
    LEFT JOIN paid_late p ON p.installment_id = i.id
    WHERE {live}
    GROUP BY l.product, l.currency
) parts
GROUP BY product, currency
"""


BOOK_TOTALS = _book_totals_sql(ranged=False)
BOOK_TOTALS_RANGED = _book_totals_sql(ranged=True)

Totals = dict[tuple[str, str], tuple[int, Decimal]]
Cell = tuple[str, str, str, str, int, Decimal, Decimal]

# What account-id ranges computed apart (``collections_app.reports.jobs.ranges``), summed: while set,
# ``book_totals`` and ``flow_cells`` answer from it for the dates it holds.
_precomputed: contextvars.ContextVar[dict[tuple[object, ...], object] | None] = contextvars.ContextVar(
    "report_sql_precomputed", default=None
)


@contextlib.contextmanager
def precomputed(answers: dict[tuple[object, ...], object]) -> Iterator[None]:
    """Answer ``book_totals(day)`` from ``answers[("totals", day)]`` and ``flow_cells`` from
    ``answers[("cells", prev, cur, current)]`` where present, inside the block."""
    token = _precomputed.set(answers)
    try:
        yield
    finally:
        _precomputed.reset(token)


def _known(key: tuple[object, ...]) -> object | None:
    answers = _precomputed.get()
    return answers.get(key) if answers is not None else None


@contextlib.contextmanager
def remembered() -> Iterator[None]:
    """Inside the block, ``book_totals`` of a date is read once and then answered from what it read
    (one run of the report jobs asks for the same date up to three times: the day's bucket balances
    and both month-ends of the month's matrix); answers already given by ``precomputed`` stay."""
    answers = _precomputed.get()
    token = _precomputed.set(dict(answers) if answers is not None else {})
    try:
        yield
    finally:
        _precomputed.reset(token)


def book_totals(day: dt.date, *, lo: int | None = None, hi: int | None = None) -> Totals:
    """Active accounts and their outstanding principal at ``day``, per product and currency (of the
    accounts with ``lo <= id < hi`` when given)."""
    known = _known(("totals", day)) if lo is None else None
    if known is not None:
        return known  # type: ignore[return-value]
    ranged = lo is not None
    with connection.cursor() as cursor:
        cursor.execute(
            BOOK_TOTALS_RANGED if ranged else BOOK_TOTALS,
            {"d": day, "lo": lo, "hi": hi},
        )
        totals = {
            (product, currency): (count, _money(outstanding))
            for product, currency, count, outstanding in cursor.fetchall()
        }
    answers = _precomputed.get()
    if answers is not None and not ranged:
        answers[("totals", day)] = totals
    return totals


# Every account that may not have stayed current from one month-end (prev) to the next (cur):
# in a snapshot of either date, closed between them, or opened between them. Everyone else was
# current at both dates (or closed before prev): the M0 -> M0 cell is derived from the totals.
ALL_MOVERS = """
    SELECT account_id FROM accounts_delinquencysnapshot WHERE date = %(prev)s
    UNION SELECT account_id FROM accounts_delinquencysnapshot WHERE date = %(cur)s
    UNION SELECT id FROM accounts_loanaccount
          WHERE status <> 'active' AND closed_on > %(prev)s AND closed_on <= %(cur)s
    UNION SELECT id FROM accounts_loanaccount WHERE opened_on > %(prev)s AND opened_on <= %(cur)s"""

# The movers that can be in one cell (drill-down): from a delinquent bucket, the prev snapshot's
# accounts in it; from current, those in the cur snapshot in the target bucket or closed since;
# from NEW, those opened since. The states are then worked out as for the whole matrix.
CELL_MOVERS = """
    SELECT account_id FROM accounts_delinquencysnapshot
     WHERE date = %(prev)s AND bucket = %(from_state)s AND %(from_state)s <> %(current)s
    UNION SELECT account_id FROM accounts_delinquencysnapshot
     WHERE date = %(cur)s AND bucket = %(to_state)s AND %(from_state)s = %(current)s
    UNION SELECT id FROM accounts_loanaccount
     WHERE status <> 'active' AND closed_on > %(prev)s AND closed_on <= %(cur)s AND %(from_state)s = %(current)s
    UNION SELECT id FROM accounts_loanaccount
     WHERE opened_on > %(prev)s AND opened_on <= %(cur)s AND %(from_state)s = 'NEW'"""


def _flow_states(movers: str) -> str:
    return f"""
WITH movers AS ({movers}
),
paid_prev AS MATERIALIZED ({_paid_late("prev", movers=True)}),
paid_cur AS MATERIALIZED ({_paid_late("cur", movers=True)}),
balances AS (
    SELECT l.id AS account_id, l.product, l.currency, l.opened_on, l.status, l.closed_on,
           COALESCE(SUM(i.principal_due - {_principal_paid_as_of("prev", "pp")}), l.principal) AS out_prev,
           COALESCE(SUM(i.principal_due - {_principal_paid_as_of("cur", "pc")}), l.principal) AS out_cur
    FROM movers m
    JOIN accounts_loanaccount l ON l.id = m.account_id
    LEFT JOIN accounts_installment i ON i.loan_id = l.id
    LEFT JOIN paid_prev pp ON pp.installment_id = i.id
    LEFT JOIN paid_cur pc ON pc.installment_id = i.id
    GROUP BY l.id, l.product, l.currency, l.opened_on, l.status, l.closed_on, l.principal
),
states AS (
    SELECT b.account_id, b.product, b.currency,
           CASE WHEN sp.bucket IS NOT NULL THEN sp.bucket
                WHEN {_closed_by("b", "prev")} THEN {_closed_code("b.status")}
                WHEN b.opened_on <= %(prev)s THEN %(current)s
                ELSE 'NEW' END AS from_state,
           CASE WHEN sc.bucket IS NOT NULL THEN sc.bucket
                WHEN {_closed_by("b", "cur")} THEN {_closed_code("b.status")}
                ELSE %(current)s END AS to_state,
           CASE WHEN sp.bucket IS NOT NULL THEN sp.outstanding_balance
                WHEN {_closed_by("b", "prev")} OR b.opened_on > %(prev)s THEN 0
                ELSE b.out_prev END AS balance_prev,
           CASE WHEN sc.bucket IS NOT NULL THEN sc.outstanding_balance
                WHEN {_closed_by("b", "cur")} THEN 0
                ELSE b.out_cur END AS balance_cur
    FROM balances b
    LEFT JOIN accounts_delinquencysnapshot sp ON sp.account_id = b.account_id AND sp.date = %(prev)s
    LEFT JOIN accounts_delinquencysnapshot sc ON sc.account_id = b.account_id AND sc.date = %(cur)s
)
"""


_CLOSED_LIST = ", ".join(f"'{code}'" for code in CLOSED_STATES)

FLOW_CELLS = (
    _flow_states(ALL_MOVERS)
    + f"""
SELECT product, currency, from_state, to_state, COUNT(*),
       SUM(balance_prev),
       SUM(CASE WHEN to_state IN ({_CLOSED_LIST}) THEN balance_prev ELSE balance_cur END)
FROM states
WHERE from_state NOT IN ({_CLOSED_LIST})
GROUP BY product, currency, from_state, to_state
"""
)

FLOW_ACCOUNTS = (
    _flow_states(CELL_MOVERS)
    + """
SELECT account_id, product, from_state, to_state, balance_prev, balance_cur
FROM states
WHERE from_state = %(from_state)s AND to_state = %(to_state)s
ORDER BY balance_prev DESC, account_id
"""
)


FLOW_CELLS_RANGED = FLOW_CELLS.replace(
    "WITH movers AS (" + ALL_MOVERS + "\n),",
    "WITH movers AS (SELECT account_id FROM (" + ALL_MOVERS + "\n) mv WHERE" + _RANGE.format(column="account_id")[4:] + "),",
)


def flow_cells(*, prev: dt.date, cur: dt.date, current: str, lo: int | None = None, hi: int | None = None) -> list[Cell]:
    """(product, currency, from, to, accounts, balance at prev, balance at cur) of every mover, grouped
    (of the accounts with ``lo <= id < hi`` when given).

    ``from`` is ``NEW`` for accounts opened after ``prev``; closed destinations carry the balance
    at ``prev`` as their balance at ``cur`` (the balance that left the book).
    """
    known = _known(("cells", prev, cur, current)) if lo is None else None
    if known is not None:
        return known  # type: ignore[return-value]
    with connection.cursor() as cursor:
        cursor.execute(
            FLOW_CELLS_RANGED if lo is not None else FLOW_CELLS,
            {"prev": prev, "cur": cur, "current": current, "lo": lo, "hi": hi},
        )
        return [
            (product, currency, source, target, count, _money(before), _money(after))
            for product, currency, source, target, count, before, after in cursor.fetchall()
        ]


def flow_accounts(
    *, prev: dt.date, cur: dt.date, current: str, from_state: str, to_state: str
) -> Iterator[tuple[int, str, str, str, Decimal, Decimal]]:
    """The accounts behind one cell (drill-down): id, product, from, to, balance at prev, at cur."""
    params: dict[str, Any] = {
        "prev": prev, "cur": cur, "current": current, "from_state": from_state, "to_state": to_state,
    }
    with connection.cursor() as cursor:
        cursor.execute(FLOW_ACCOUNTS, params)
        for account_id, product, source, target, before, after in cursor.fetchall():
            yield account_id, product, source, target, _money(before), _money(after)


def _money(value: object) -> Decimal:
    """SQLite hands sums back as float or int; PostgreSQL as Decimal. Cents either way."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(Decimal("0.01"))
