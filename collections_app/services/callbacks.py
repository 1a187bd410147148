"""Callbacks as collection work: scheduling's callback services, then the case's priority recomputed.

``scheduling.services.callbacks`` decides and records callbacks (through the compliance engine);
what a callback does to the queue (the case's priority tier and next action time) is
``services.priorities``'. Every entry point calls these, which compose the two in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction

from accounts.actors import Actor
from accounts.calendar import business_today
from accounts.models import Phone
from collections_app.models import Case, PromiseToPay
from collections_app.services.priorities import cases_reprioritize
from scheduling.models import Callback
from scheduling.services.callbacks import (
    CallbacksDue,
    callback_close,
    callback_schedule,
    callbacks_due,
)


@transaction.atomic
def case_callback_schedule(
    *,
    case: Case,
    due_at: dt.datetime,
    phone: Phone | None = None,
    reason: str = Callback.Reason.AGENT,
    actor: Actor | None = None,
    promise: PromiseToPay | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Callback:
    """``callback_schedule`` (refused with the engine's reasons, nothing written), then the case reprioritized."""
    callback = callback_schedule(
        case=case, due_at=due_at, phone=phone, reason=reason, actor=actor, promise=promise, note=note, now=now
    )
    cases_reprioritize(today=business_today(), case_ids=[case.pk])
    return callback


@transaction.atomic
def case_callback_close(
    *, callback: Callback, status: str = Callback.Status.DONE, actor: Actor | None = None, note: str = ""
) -> Callback:
    """``callback_close`` (done or cancelled; locks the callback), then its case reprioritized."""
    closed = callback_close(callback=callback, status=status, actor=actor, note=note)
    cases_reprioritize(today=business_today(), case_ids=[closed.case_id])
    return closed


@transaction.atomic
def callbacks_due_check(*, now: dt.datetime) -> CallbacksDue:
    """``callbacks_due`` (blocked, answered, missed), then the cases it touched reprioritized. Safe to run twice."""
    due = callbacks_due(now=now)
    changed = cases_reprioritize(today=business_today(), case_ids=due.case_ids) if due.case_ids else 0
    return dataclasses.replace(due, reprioritized=changed)
