"""Celery tasks of collection work. Each takes plain values, calls one service and is safe to run twice.

Scheduled (``scheduling.beat``): the nightly close (COB, assignment, the strategies' plan), the
promise settlement, the callbacks coming due, the expiry of stale reservations, the plan's intraday
refresh and its messages. On demand: assignment alone, and sending messages in batches
(``messages_send_after_commit``, which every entry point that queues messages calls).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from celery import chord, group, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from accounts.calendar import business_today
from collections_app.services.assignment import cases_assign
from collections_app.services.attempts import attempts_expire
from collections_app.services.book_jobs import book_import_job_run
from collections_app.services.callbacks import callbacks_due_check
from collections_app.services.close import close_finish, close_range, close_ranges_prepare, nightly_close
from collections_app.services.message_batch import SEND_BATCH, messages_send_batch
from collections_app.services.message_sending import MessageRetry, message_send, messages_stranded
from collections_app.services.plan import plan_run
from collections_app.services.plan_requests import plan_request_run
from collections_app.services.plan_sending import plan_sends_drain
from collections_app.services.promise_matching import promises_settle
from collections_app.services.quality import qa_sample_build, qa_sample_build_last_week

# The database going away (a restart, a fail-over) is worth a retry; a bug is not.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True)
def cases_assign_task(today: str | None = None) -> dict[str, object]:
    result = cases_assign(today=date.fromisoformat(today) if today else None)
    return {"moved": result.moved, "by_reason": result.by_reason, "unplaced": result.unplaced}


_CLOSE_RETRIES: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "max_retries": 3,
    "retry_backoff": settings.NIGHTLY_CLOSE_RETRY_SECONDS,
    "retry_jitter": False,
}


@shared_task(bind=True, acks_late=True, **_CLOSE_RETRIES)
def nightly_close_task(
    self: Any,
    business_date: str | None = None,
    assign: bool = True,
    plan: bool = True,
    range_accounts: int | None = None,
) -> dict[str, object]:
    """The nightly close for a date (ISO; default: yesterday in the book's calendar): COB and the cases
    in one transaction, then (``assign``) assignment, then (``plan``) the strategies' plan of the next
    day. Retried up to 3 times when the database was unreachable, ``NIGHTLY_CLOSE_RETRY_SECONDS`` (60)
    later, then twice and four times that; the close is all or nothing, so a retry starts clean.
    After the third retry it fails (``CobRun`` says failed).

    In a worker, a book of more than ``range_accounts`` (``COB_RANGE_ACCOUNTS``) account ids is
    closed as a chord: one task per range computing its accounts' states (on any worker), then one
    writing everything in one transaction, assigning and planning. This task is replaced by the
    chord, so its result is the chord's (the answer of the close in one piece, and the ranges)."""
    day = date.fromisoformat(business_date) if business_date else business_today() - timedelta(days=1)
    worker = "" if self.request.is_eager else (self.request.hostname or "")
    size = range_accounts or settings.COB_RANGE_ACCOUNTS
    token = uuid.uuid4().hex[:16]
    ranges = [] if self.request.is_eager else close_ranges_prepare(business_date=day, range_accounts=size, token=token)
    if not ranges:
        return nightly_close(business_date=day, worker=worker, assign=assign, plan=plan).as_dict()
    header = group(close_range_task.si(day.isoformat(), lo, hi, token) for lo, hi in ranges)
    return self.replace(chord(header, close_finish_task.s(day.isoformat(), token, assign, plan)))  # type: ignore[no-any-return]


@shared_task(bind=True, acks_late=True, **_CLOSE_RETRIES)
def close_range_task(self: Any, business_date: str, lo: int, hi: int, token: str) -> dict[str, object]:
    """One account-id range of a split nightly close (``close_range``); safe to run twice."""
    accounts = close_range(business_date=date.fromisoformat(business_date), lo=lo, hi=hi, token=token)
    return {"lo": lo, "hi": hi, "accounts": accounts, "worker": self.request.hostname or ""}


@shared_task(bind=True, acks_late=True, **_CLOSE_RETRIES)
def close_finish_task(
    self: Any,
    ranges: list[dict[str, object]],
    business_date: str,
    token: str,
    assign: bool = True,
    plan: bool = True,
) -> dict[str, object]:
    """The chord's callback of a split nightly close: the writes, the cases, assignment, the plan."""
    worker = "" if self.request.is_eager else (self.request.hostname or "")
    closed = close_finish(
        business_date=date.fromisoformat(business_date), token=token, worker=worker, assign=assign, plan=plan
    )
    return {**closed.as_dict(), "ranges": ranges}


@shared_task(acks_late=True)
def promises_settle_task(today: str | None = None) -> dict[str, int]:
    """Settle the promises past their date plus grace days (default: the book's today). Safe to run twice."""
    return promises_settle(today=date.fromisoformat(today) if today else business_today()).as_dict()


@shared_task(acks_late=True)
def reservations_expire_task() -> int:
    """Mark unreported reservations past their expiry as expired (they keep counting as attempts)."""
    return attempts_expire()


@shared_task(acks_late=True)
def callbacks_due_task(now: str | None = None) -> dict[str, int]:
    """Check again the callbacks that came due; mark the answered, the no longer allowed, the missed."""
    return callbacks_due_check(now=datetime.fromisoformat(now) if now else timezone.now()).as_dict()


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT, max_retries=10, retry_backoff=5)
def message_send_task(self: Any, message_id: int) -> dict[str, object]:
    """Send one queued message through its provider; a message is sent once however often this runs.

    A provider error that may pass is retried ``MESSAGING_SEND_MAX_RETRIES`` times,
    ``MESSAGING_RETRY_SECONDS`` later, then twice and four times as long...; the last try that fails
    ends the message ``failed`` with the provider's reason. The database going away is retried too
    (the message stays queued)."""
    retries = int(self.request.retries or 0)
    limit = int(settings.MESSAGING_SEND_MAX_RETRIES)
    try:
        outcome = message_send(message_id=message_id, final=retries >= limit)
    except MessageRetry as exc:
        countdown = settings.MESSAGING_RETRY_SECONDS * 2**retries
        if self.request.is_eager:  # in-process (no broker): the next try runs at once, without a wait
            return self.retry(exc=exc, countdown=countdown, max_retries=limit, throw=False)  # type: ignore[no-any-return]
        raise self.retry(exc=exc, countdown=countdown, max_retries=limit) from exc
    return {"status": outcome.status, "sent": outcome.sent, "reason": outcome.reason}


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT, max_retries=10, retry_backoff=5)
def messages_send_batch_task(self: Any, message_ids: list[int]) -> dict[str, int]:
    """Send a batch of queued messages (``services.message_sending.messages_send_batch``); a message is
    sent once however often this runs. The provider's transient errors are tried again by a later task,
    ``MESSAGING_RETRY_SECONDS`` after the first try, then twice and four times as long... (by each
    message's tries), until the last try ends the message ``failed``. Run in-process (no broker), the
    next tries follow at once."""
    out = messages_send_batch(message_ids=message_ids)
    totals = out.as_dict()
    while out.retry and self.request.is_eager:
        out = messages_send_batch(message_ids=list(out.retry))
        for key, value in out.as_dict().items():
            totals[key] = totals[key] + value if key != "retry" else value
    by_tries: dict[int, list[int]] = {}
    for pk, tries in out.retry.items():
        by_tries.setdefault(tries, []).append(pk)
    for tries, ids in sorted(by_tries.items()):
        countdown = settings.MESSAGING_RETRY_SECONDS * 2 ** max(tries - 1, 0)
        messages_send_batch_task.apply_async((ids,), countdown=countdown)
    return totals


def _batches(message_ids: Iterable[int]) -> list[list[int]]:
    ids = list(message_ids)
    return [ids[start : start + SEND_BATCH] for start in range(0, len(ids), SEND_BATCH)]


@shared_task(acks_late=True)
def messages_requeue_task() -> int:
    """Hand the stranded queued messages to the sender again (none is lost if a send was never queued)."""
    stranded = messages_stranded()
    for batch in _batches(stranded):
        messages_send_batch_task.delay(batch)
    return len(stranded)


def messages_send_after_commit(message_ids: Iterable[int]) -> None:
    """Queue the sending of these messages, in batches, once the current transaction commits (at once outside one)."""
    for batch in _batches(message_ids):
        transaction.on_commit(partial(messages_send_batch_task.delay, batch))


@shared_task(acks_late=True)
def plan_run_task(today: str | None = None, kind: str = "intraday", request_id: int | None = None) -> dict[str, object]:
    """The treatment strategies' plan for a date (default: the book's today); the intraday refresh by
    default. With ``request_id``, a supervisor's queued request from the strategies screen, its date and
    outcome recorded on it. Safe to run twice: a date's actions are recorded once, a request run once."""
    if request_id is not None:
        request = plan_request_run(request_id=request_id)
        return {"request": request_id, "status": request.status if request else "already run"}
    return plan_run(today=date.fromisoformat(today) if today else business_today(), kind=kind).as_dict()


@shared_task(acks_late=True)
def plan_sends_task() -> dict[str, int]:
    """The plan's messages whose time has come (the beat's run): ``PLAN_SENDS_DISPATCHERS`` dispatch tasks
    at once, which share the sends due (each batch is claimed by one of them, ``plan_sends_drain``)."""
    dispatchers = max(1, settings.PLAN_SENDS_DISPATCHERS)
    group(plan_sends_dispatch_task.s() for _ in range(dispatchers)).apply_async()
    return {"dispatchers": dispatchers}


@shared_task(acks_late=True)
def plan_sends_dispatch_task() -> dict[str, int]:
    """One dispatcher of the plan's messages: the sends due handed to the messaging service a turn at a
    time, each turn's queued messages to the sender, until none is left or the budget is spent (the
    next beat run goes on). Safe to run twice, and beside other dispatchers: a send is claimed once."""
    out = plan_sends_drain(handed=messages_send_after_commit, budget_seconds=settings.PLAN_SENDS_BUDGET_SECONDS)
    return out.as_dict()


# The report tasks live in their own module; importing it here registers them with the worker.
from collections_app.reports import tasks as reports_tasks  # noqa: E402, F401


@shared_task(acks_late=True)
def qa_sample_task(week: str | None = None) -> dict[str, object]:
    """The week's sample of calls for quality review (ISO date of any day of it; default: last week).
    Safe to run twice: calls already sampled stay."""
    built = qa_sample_build(week=date.fromisoformat(week)) if week else qa_sample_build_last_week()
    return {"week": built.week.isoformat(), "added": built.added}


@shared_task(acks_late=True, autoretry_for=TRANSIENT, max_retries=3, retry_backoff=30)
def book_import_job_task(job_id: int) -> str | None:
    """Load a large loan tape in the background (``book_import_job_run``); a job is loaded once however often this runs."""
    return book_import_job_run(job_id=job_id)


def book_import_job_queue(job_id: int) -> None:
    """Queue the job's task once the job is committed (in-process when no broker is set)."""
    transaction.on_commit(partial(book_import_job_task.delay, job_id))
