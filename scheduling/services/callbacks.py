"""Callbacks and follow-ups: scheduled only when the compliance engine allows the time, checked again when due.

- ``callback_schedule``: an agent's appointment ("call back Tuesday 18:00 her time"), a call
  outcome's, or a promise's agreed follow-up. Refused outside what the engine allows, with the
  next allowed time in the message and in ``DomainError.extra["next_allowed_at"]``.
- ``callback_close``: done or cancelled by the agent.
- ``callbacks_follow_up``: after the settle job, one callback per missed promise at the next
  allowed time (set-based: one engine batch).
- ``callbacks_due``: when callbacks come due they are checked again; those no contact is allowed
  for any more (a cease request since, a dispute, bankruptcy...) are marked *blocked*; pending ones
  a call on the case answered are *done*; those left pending a day past due are *missed*.

Without a phone the callback is about the borrower's own numbers: it is allowed when the engine
allows at least one of them.

A callback changes its case's priority and next action time; recomputing them is collection work,
so the services here return what they touched and ``collections_app.services.callbacks`` (which
every entry point calls) recomputes the cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, ExpressionWrapper, OuterRef
from django.db.models.fields import DateTimeField
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, actor_user
from accounts.calendar import business_today, day_end
from accounts.models import LoanAccount, Phone
from accounts.services.audit import audit_record
from collections_app.models import Case, ContactAttempt, PromiseToPay
from config.errors import DomainError, ErrorCode
from scheduling.engine import Decision, evaluate, evaluate_many
from scheduling.models import Callback

# A call on the case placed this long before a callback's time still answers it.
EARLY_CALL = dt.timedelta(minutes=30)
# A callback still pending this long after its time is missed.
MISSED_AFTER = dt.timedelta(hours=24)
PAST_TOLERANCE = dt.timedelta(minutes=1)


def _user(actor: Actor | None) -> User | None:
    return actor_user(actor)


def local_text(at: dt.datetime, zone: str) -> str:
    """An instant on the borrower's wall clock, with the zone's name."""
    return f"{at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def _own_phones(borrower_ids: Collection[int]) -> dict[int, list[Phone]]:
    phones: dict[int, list[Phone]] = {}
    for phone in Phone.objects.filter(borrower_id__in=set(borrower_ids), owner=Phone.Owner.BORROWER).order_by(
        "borrower_id", "pk"
    ):
        phones.setdefault(phone.borrower_id, []).append(phone)
    return phones


def _best(decisions: Sequence[Decision]) -> Decision:
    """An allowed decision if any, else the one allowed soonest (a hard block last)."""
    allowed = [d for d in decisions if d.allowed]
    if allowed:
        return allowed[0]
    return min(decisions, key=lambda d: (d.next_allowed_at is None, d.next_allowed_at or d.at))


def callback_decide(*, case: Case, phone: Phone | None, at: dt.datetime) -> Decision:
    """The engine's answer for a call back on the case at ``at`` (any own number when no phone)."""
    account = case.account
    if phone is not None:
        return evaluate(phone=phone, at=at, account=account)
    phones = _own_phones([account.borrower_id]).get(account.borrower_id, [])
    if not phones:
        raise DomainError(
            _("The borrower has no phone number on file to call back."), errors={"phone": [_("No number.")]}
        )
    decisions = evaluate_many(
        phones, at=at, source=ContactAttempt.Source.AGENT, accounts={p.pk: account for p in phones}
    )
    return _best([decisions[p.pk] for p in phones if p.pk in decisions])


def refusal(decision: Decision, *, at: dt.datetime, zone: str) -> DomainError:
    """The refusal of a callback time, with the next allowed time (when there is one)."""
    reasons = " ".join(reason.message for reason in decision.reasons)
    if decision.next_allowed_at is not None:
        message = _(
            "A call back at %(at)s is not allowed: %(reasons)s The next allowed time is %(next)s."
        ) % {
            "at": local_text(at, zone),
            "reasons": reasons,
            "next": local_text(decision.next_allowed_at, zone),
        }
    else:
        message = _("A call back at %(at)s is not allowed, and no later time is either: %(reasons)s") % {
            "at": local_text(at, zone),
            "reasons": reasons,
        }
    next_at = decision.next_allowed_at
    return DomainError(
        message,
        errors={"due_at": [reason.message for reason in decision.reasons]},
        code=ErrorCode.CONTACT_NOT_ALLOWED,
        extra={
            "next_allowed_at": next_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
            if next_at
            else None,
            "reasons": [reason.as_json() for reason in decision.reasons],
        },
    )


@transaction.atomic
def callback_schedule(
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
    """Schedule a call back on an open case for its agent at ``due_at`` (aware), if the engine allows it.

    The engine judges the call at ``due_at`` (time window, holidays, the borrower's hours, caps as
    they stand). Refused: ``DomainError`` with the reasons under ``due_at`` and
    ``extra["next_allowed_at"]``; nothing is written. The caller recomputes the case's priority.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(due_at):
        errors["due_at"] = [_("The time must carry its time zone.")]
    elif due_at < now - PAST_TOLERANCE:
        errors["due_at"] = [_("The time is in the past.")]
    if reason not in Callback.Reason.values:
        errors["reason"] = [_("Unknown reason %(reason)r.") % {"reason": reason}]
    if case.status != Case.Status.OPEN:
        errors["case"] = [_("The case is closed.")]
    account = LoanAccount.objects.select_related("borrower").get(pk=case.account_id)
    case.account = account
    if phone is not None and phone.borrower_id != account.borrower_id:
        errors["phone"] = [_("The number is not this borrower's.")]
    if errors:
        raise DomainError(_("The callback was not scheduled."), errors=errors)
    decision = callback_decide(case=case, phone=phone, at=due_at)
    if not decision.allowed:
        raise refusal(decision, at=due_at, zone=account.borrower.timezone)
    callback = Callback.objects.create(
        case=case,
        agent_id=case.agent_id,
        phone=phone,
        due_at=due_at,
        reason=reason,
        promise=promise,
        note=note[:255],
        created_by=_user(actor),
    )
    audit_record(
        action="callback.schedule",
        obj=callback,
        actor=actor,
        after={
            "case": case.pk,
            "due_at": due_at.isoformat(),
            "reason": reason,
            "promise": promise.pk if promise else None,
        },
    )
    return callback


@transaction.atomic
def callback_close(
    *, callback: Callback, status: str = Callback.Status.DONE, actor: Actor | None = None, note: str = ""
) -> Callback:
    """Mark a pending callback done or cancelled. Locks the callback row; the caller recomputes the case."""
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if status not in (Callback.Status.DONE, Callback.Status.CANCELLED):
        raise DomainError(
            _("A callback is closed as done or cancelled."), errors={"status": [_("Not allowed.")]}
        )
    if callback.status != Callback.Status.PENDING:
        raise DomainError(
            _("The callback is %(status)s already.") % {"status": callback.get_status_display()},
            errors={"callback": [_("Not pending.")]},
        )
    callback.status = status
    callback.closed_at = timezone.now()
    callback.closed_by = _user(actor)
    if note:
        callback.note = note[:255]
    callback.save(update_fields=["status", "closed_at", "closed_by", "note"])
    audit_record(
        action="callback.close",
        obj=callback,
        actor=actor,
        before={"status": Callback.Status.PENDING},
        after={"status": status},
    )
    return callback


def callbacks_follow_up(*, promise_ids: Collection[int], now: dt.datetime) -> int:
    """One follow-up callback per missed promise on an open case, at the next allowed time from ``now``.

    The number called is the promise's call's, else the borrower's first own number. Promises
    whose borrower may not be called at all (a hard block) or has no number get none. One engine
    batch and one insert, whatever the number of promises; a promise with a follow-up already
    gets no second one.
    """
    promises = list(
        PromiseToPay.objects.filter(pk__in=list(promise_ids), case__status=Case.Status.OPEN)
        .exclude(
            Exists(Callback.objects.filter(promise=OuterRef("pk"), reason=Callback.Reason.BROKEN_PROMISE))
        )
        .select_related("case", "account", "attempt__phone")
    )
    if not promises:
        return 0
    own = _own_phones({p.account.borrower_id for p in promises})
    chosen: dict[int, Phone] = {}
    for promise in promises:
        phone = promise.attempt.phone if promise.attempt is not None else None
        phone = phone or next(iter(own.get(promise.account.borrower_id, [])), None)
        if phone is not None:
            chosen[promise.pk] = phone
    accounts = {chosen[p.pk].pk: p.account for p in promises if p.pk in chosen}
    decisions = evaluate_many(
        [chosen[p.pk] for p in promises if p.pk in chosen],
        at=now,
        source=ContactAttempt.Source.AGENT,
        accounts=accounts,
    )
    callbacks = []
    for promise in promises:
        phone = chosen.get(promise.pk)
        decision = decisions.get(phone.pk) if phone is not None else None
        if decision is None:
            continue
        due_at = now if decision.allowed else decision.next_allowed_at
        if due_at is None:
            continue
        callbacks.append(
            Callback(
                case=promise.case,
                agent_id=promise.case.agent_id,
                phone=phone,
                due_at=due_at,
                reason=Callback.Reason.BROKEN_PROMISE,
                promise=promise,
            )
        )
    Callback.objects.bulk_create(callbacks)
    return len(callbacks)


@dataclass
class CallbacksDue:
    checked: int
    blocked: int
    answered: int
    missed: int
    reprioritized: int = 0
    case_ids: frozenset[int] = frozenset()  # the cases whose priority the caller recomputes

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if name != "case_ids"}


@transaction.atomic
def callbacks_due(*, now: dt.datetime) -> CallbacksDue:
    """Check again the callbacks that came due; mark the answered, the no longer allowed, the missed.

    Each pending callback is checked once when due (``checked_at``): when the engine allows no
    contact on any of its numbers now or later it becomes *blocked* with the reasons. A pending
    callback with a completed call on its case placed from 30 minutes before its time is *done*;
    one still pending 24 hours after its time is *missed*. Returns, in ``case_ids``, the cases
    touched and those with a callback due today, whose priority and next action time the caller
    recomputes. Safe to run twice.
    """
    placed_after = ExpressionWrapper(OuterRef("due_at") - EARLY_CALL, output_field=DateTimeField())
    answered_call = ContactAttempt.objects.filter(
        case=OuterRef("case"), status=ContactAttempt.Status.COMPLETED, placed_at__gte=placed_after
    )
    pending = Callback.objects.filter(status=Callback.Status.PENDING)
    answered_ids = list(
        pending.filter(Exists(answered_call), due_at__lte=now + EARLY_CALL).values_list("pk", flat=True)
    )
    pending.filter(pk__in=answered_ids).update(status=Callback.Status.DONE, closed_at=now)

    due = list(
        pending.filter(due_at__lte=now, checked_at__isnull=True).select_related("case__account", "phone")
    )
    own = _own_phones({cb.case.account.borrower_id for cb in due if cb.phone is None})
    numbers: dict[int, list[Phone]] = {
        cb.pk: [cb.phone] if cb.phone is not None else own.get(cb.case.account.borrower_id, []) for cb in due
    }
    accounts = {phone.pk: cb.case.account for cb in due for phone in numbers[cb.pk]}
    decisions = evaluate_many(
        [phone for cb in due for phone in numbers[cb.pk]],
        at=now,
        source=ContactAttempt.Source.AGENT,
        accounts=accounts,
    )
    blocked = 0
    for cb in due:
        found = [decisions[p.pk] for p in numbers[cb.pk] if p.pk in decisions]
        cb.checked_at = now
        best = _best(found) if found else None
        cb.check_reasons = [r.as_json() for r in best.reasons] if best is not None else []
        if best is None or (not best.allowed and best.next_allowed_at is None):
            cb.status = Callback.Status.BLOCKED
            cb.closed_at = now
            blocked += 1
    Callback.objects.bulk_update(due, ["checked_at", "check_reasons", "status", "closed_at"], batch_size=1000)

    missed = pending.filter(due_at__lt=now - MISSED_AFTER)
    missed_cases = set(missed.values_list("case_id", flat=True))
    missed_count = missed.update(status=Callback.Status.MISSED, closed_at=now)

    today = business_today()
    due_today = set(
        Callback.objects.filter(status=Callback.Status.PENDING, due_at__lt=day_end(today)).values_list(
            "case_id", flat=True
        )
    )
    touched = (
        due_today
        | missed_cases
        | {cb.case_id for cb in due}
        | set(Callback.objects.filter(pk__in=answered_ids).values_list("case_id", flat=True))
    )
    return CallbacksDue(
        checked=len(due),
        blocked=blocked,
        answered=len(answered_ids),
        missed=missed_count,
        case_ids=frozenset(touched),
    )
