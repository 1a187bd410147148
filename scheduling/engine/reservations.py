"""The facts of a reservation as statements to send in the round trip that takes the debt's lock.

A dial authorization reads its facts after the per-debt lock is granted (READ COMMITTED: each
statement sees what the previous holder committed). ``facts_statements`` gives the statements of
``subjects_load`` for a plan (preferences, the attempt history, the open promises) as plain SQL that
the caller queues behind its lock (``config.roundtrips``); ``facts_from_rows`` turns their rows into
the same subjects and histories through the same assembly (``subjects_assemble``), so the rules,
and what they are given, are the engine's one copy. The engine's tests compare both loaders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from collections_app.models import PromisePart, PromiseToPay
from config import roundtrips
from scheduling.engine.decision import Decision
from scheduling.engine.facts import History, Subject
from scheduling.engine.loading import _HISTORY_KEYS, _HISTORY_SQL, Plan, promise_facts, subjects_assemble
from scheduling.engine.rules import decide
from scheduling.models import Callback, ContactPreference

Statement = tuple[str, Sequence[Any]]

_PREFERENCES_SQL = (
    f"SELECT {roundtrips.columns(ContactPreference, 'p')} FROM {ContactPreference._meta.db_table} p "
    "WHERE p.borrower_id = ANY(%s)"
)
# promises_held's query, with the pending follow-up callbacks of each promise in the same row; the
# promises' order (their model's) decides which one of a debt stands, as there.
_PROMISES_SQL = f"""
    SELECT p.id, p.account_id, h.first, p.follow_up_at,
           EXISTS (SELECT 1 FROM {Callback._meta.db_table} c WHERE c.promise_id = p.id AND c.reason = %s),
           ARRAY(SELECT c.due_at FROM {Callback._meta.db_table} c
                 WHERE c.promise_id = p.id AND c.reason = %s AND c.status = %s)
    FROM {PromiseToPay._meta.db_table} p
    CROSS JOIN LATERAL (SELECT MIN(pp.due_date) AS first FROM {PromisePart._meta.db_table} pp
                        WHERE pp.promise_id = p.id AND pp.status = %s) h
    WHERE p.account_id = ANY(%s) AND p.status = %s AND h.first IS NOT NULL
    ORDER BY p.made_on DESC, p.id DESC"""


def facts_statements(plan: Plan) -> list[Statement]:
    """The statements whose rows ``facts_from_rows`` reads, in its order."""
    statements: list[Statement] = [
        (_PREFERENCES_SQL, [sorted(plan.borrower_ids)]),
        (_HISTORY_SQL, [sorted(plan.zone_by_borrower), plan.since]),
    ]
    if plan.promise_accounts:
        promise = Callback.Reason.PROMISE
        statements.append(
            (
                _PROMISES_SQL,
                [
                    promise,
                    promise,
                    Callback.Status.PENDING,
                    PromiseToPay.Status.OPEN,
                    sorted(plan.promise_accounts),
                    PromiseToPay.Status.OPEN,
                ],
            )
        )
    return statements


def facts_from_rows(plan: Plan, rows: Sequence[list[tuple[Any, ...]]]) -> list[tuple[Subject, History]]:
    """The subjects and histories of the plan from the rows of ``facts_statements``."""
    preferences = {}
    for row in rows[0]:
        preference = roundtrips.instance(ContactPreference, row)
        assert preference is not None
        preferences[preference.borrower_id] = preference
    history = [dict(zip(_HISTORY_KEYS, row, strict=True)) for row in rows[1]]
    promises = {}
    if plan.promise_accounts:
        pending: dict[int, list[dt.datetime]] = {row[0]: list(row[5]) for row in rows[2]}
        promises = promise_facts([row[:5] for row in rows[2]], pending)  # type: ignore[misc]
    return subjects_assemble(plan, preferences=preferences, history_rows=history, promises=promises)


def reservation_decide(plan: Plan, rows: Sequence[list[tuple[Any, ...]]]) -> Decision:
    """The engine's decision for the plan's one target, from the rows of ``facts_statements``."""
    [(subject, history)] = facts_from_rows(plan, rows)
    return decide(subject, history, plan.at)
