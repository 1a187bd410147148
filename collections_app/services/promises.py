"""Recording and cancelling promises to pay (DESIGN.md section 7).

Matching payments and settling promises are in ``promise_matching``; case priorities in
``priorities``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.calendar import business_today
from accounts.services.audit import audit_record
from collections_app.models import Agent, Case, ContactAttempt, PromisePart, PromiseToPay
from collections_app.selectors.promises import PromiseLimits, borrower_today, promise_limits
from collections_app.services.priorities import cases_reprioritize
from collections_app.services.promise_matching import promises_apply_payments
from config.errors import DomainError, ErrorCode
from scheduling.models import Callback
from scheduling.services.callbacks import callback_schedule
from scheduling.services.preferences import preference_update

Part = tuple[dt.date, Decimal]


def _user(actor: Actor | None) -> User | None:
    return cast(User, actor) if actor is not None and getattr(actor, "is_authenticated", False) else None


def promise_check(
    *,
    case: Case,
    parts: Sequence[Part],
    limits: PromiseLimits,
    source: str = PromiseToPay.Source.AGENT,
    attempt: ContactAttempt | None = None,
    follow_up_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """Every reason these parts cannot be promised on the case (empty: none). Reads only.

    Error keys: ``case``, ``source``, ``attempt``, ``parts``, ``parts[i].date``,
    ``parts[i].amount``, ``amount`` (the total) and ``follow_up_at``.
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    policy = limits.policy
    if case.status != Case.Status.OPEN:
        add("case", _("The case is closed: a promise needs an open case."))
    elif PromiseToPay.objects.filter(case=case, status=PromiseToPay.Status.OPEN).exists():
        add("case", _("The case has an open promise already: cancel it before recording a new one."))
    if source not in PromiseToPay.Source.values:
        add("source", _("Unknown source %(source)r.") % {"source": source})
    if attempt is None:
        if source == PromiseToPay.Source.DIALER:
            add("attempt", _("A dialer's promise needs the right-party call it was made on."))
    else:
        if attempt.account_id != case.account_id:
            add("attempt", _("The call is about another account."))
        elif not attempt.right_party_contact:
            add("attempt", _("A promise needs a right-party contact: the call did not reach the borrower."))
    if not parts:
        add("parts", _("Give a date and an amount."))
    elif len(parts) > policy.max_parts:
        add("parts", _("A plan has at most %(n)s parts.") % {"n": policy.max_parts})
    _parts_check(parts=parts, limits=limits, bucket=case.bucket, errors=errors)
    if follow_up_at is not None:
        if timezone.is_naive(follow_up_at):
            add("follow_up_at", _("The time must carry its time zone."))
        elif follow_up_at <= (now or timezone.now()):
            add("follow_up_at", _("The follow-up call must be in the future."))
    return errors


def _parts_check(*, parts: Sequence[Part], limits: PromiseLimits, bucket: str, errors: dict[str, list[str]]) -> None:
    """Add to ``errors`` what breaks the parts' own rules: amounts, dates, how far ahead the first and
    the last may fall, the total."""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    policy = limits.policy
    seen: set[dt.date] = set()
    for index, (date, amount) in enumerate(parts):
        key = f"parts[{index}]"
        if amount <= 0:
            add(f"{key}.amount", _("The amount must be greater than zero."))
        elif amount != amount.quantize(Decimal("0.01")):
            add(f"{key}.amount", _("The amount has at most two decimals."))
        if date < limits.today:
            add(f"{key}.date", _("The date is in the past."))
        if date in seen:
            add(f"{key}.date", _("Two parts fall on the same date."))
        seen.add(date)
    if parts and not errors.keys() & {f"parts[{i}].date" for i in range(len(parts))}:
        dates = sorted(date for date, _amount in parts)
        if dates[0] > limits.latest_date:
            add(
                f"parts[{[d for d, _a in parts].index(dates[0])}].date",
                _("In %(bucket)s the date may be at most %(days)s days ahead: %(latest)s at the latest.")
                % {
                    "bucket": bucket,
                    "days": policy.max_days_ahead,
                    "latest": limits.latest_date.isoformat(),
                },
            )
        if len(dates) > 1 and dates[-1] > limits.plan_latest_date:
            add(
                f"parts[{[d for d, _a in parts].index(dates[-1])}].date",
                _("A plan ends at most %(days)s days ahead: %(latest)s at the latest.")
                % {"days": policy.plan_max_days_ahead, "latest": limits.plan_latest_date.isoformat()},
            )
    total = sum((amount for _date, amount in parts), Decimal("0"))
    if parts and total < limits.min_amount:
        add(
            "amount",
            _(
                "At least %(min)s must be promised (%(share)s%% of the overdue %(overdue)s); %(total)s is too little."
            )
            % {
                "min": f"{limits.min_amount:,.2f}",
                "share": limits.min_share_percent,
                "overdue": f"{limits.overdue_amount:,.2f}",
                "total": f"{total:,.2f}",
            },
        )
    if parts and total > limits.max_amount:
        add(
            "amount",
            _("At most what the case owes, %(max)s, may be promised; %(total)s is more.")
            % {"max": f"{limits.max_amount:,.2f}", "total": f"{total:,.2f}"},
        )


@transaction.atomic
def promise_create(
    *,
    case: Case,
    parts: Sequence[Part],
    actor: Actor | None = None,
    source: str = PromiseToPay.Source.AGENT,
    attempt: ContactAttempt | None = None,
    follow_up_at: dt.datetime | None = None,
    today: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PromiseToPay:
    """Record a promise: one (date, amount), or a plan of up to the policy's parts, on an open case.

    ``today`` is the borrower's date (default: now in the borrower's time zone). The policy of the
    case's bucket limits the dates and the total (``promise_check``); a refusal raises
    ``DomainError`` with every reason by field (a conflict when the only problem is the open promise) and
    writes nothing. With ``follow_up_at`` the borrower agreed during the call to be called again:
    the direct prior consent is recorded (now) and a callback is scheduled at that time, which the
    compliance engine must allow (else nothing is written and ``DomainError.extra`` holds
    ``next_allowed_at``). Payments already posted since ``today`` count at once. ``now`` (default:
    the clock) is when the consent is given and what the follow-up must come after. Locks the case row.
    """
    now = now or timezone.now()
    case = Case.objects.select_for_update(of=("self",)).select_related("account__borrower", "agent").get(pk=case.pk)
    borrower = case.account.borrower
    today = today or borrower_today(borrower, now=now)
    limits = promise_limits(case=case, today=today)
    errors = promise_check(
        case=case,
        parts=parts,
        limits=limits,
        source=source,
        attempt=attempt,
        follow_up_at=follow_up_at,
        now=now,
    )
    if errors:
        conflict = set(errors) == {"case"} and case.status == Case.Status.OPEN
        raise DomainError(
            _("The promise was not recorded."),
            errors=errors,
            code=ErrorCode.CONFLICT if conflict else ErrorCode.PROMISE_REFUSED,
        )

    user = _user(actor)
    promise = _promise_insert(
        case=case, parts=sorted(parts), limits=limits, user=user, source=source, attempt=attempt,
        follow_up_at=follow_up_at, note=note,
    )
    audit_record(
        action="promise.create",
        obj=promise,
        actor=actor,
        actor_label="" if user else source,
        after={
            "case": case.pk,
            "amount": str(promise.amount),
            "parts": [[date.isoformat(), str(amount)] for date, amount in sorted(parts)],
            "source": source,
            "attempt": attempt.pk if attempt else None,
            "follow_up_at": follow_up_at.isoformat() if follow_up_at else None,
        },
    )
    if follow_up_at is not None:
        _follow_up_schedule(promise=promise, due_at=follow_up_at, attempt=attempt, actor=actor, now=now)
    promises_apply_payments(loan_ids=[case.account_id])
    cases_reprioritize(today=business_today(), case_ids=[case.pk])
    promise.refresh_from_db()
    return promise


def _promise_insert(
    *,
    case: Case,
    parts: list[Part],
    limits: PromiseLimits,
    user: User | None,
    source: str,
    attempt: ContactAttempt | None,
    follow_up_at: dt.datetime | None,
    note: str,
) -> PromiseToPay:
    """The promise and its parts (``parts`` in date order), on the terms of the case's policy. The
    caller holds the case row; a concurrent promise that won the race anyway is a conflict."""
    policy = limits.policy
    grace = dt.timedelta(days=policy.grace_days)
    agent = Agent.objects.filter(user=user).first() if user is not None else None
    try:
        with transaction.atomic():
            promise = PromiseToPay.objects.create(
                case=case,
                account=case.account,
                agent=agent or case.agent,
                created_by=user,
                source=source,
                attempt=attempt,
                made_on=limits.today,
                amount=sum((amount for _d, amount in parts), Decimal("0")),
                first_date=parts[0][0],
                final_date=parts[-1][0],
                deadline=parts[-1][0] + grace,
                grace_days=policy.grace_days,
                kept_threshold=policy.kept_threshold,
                follow_up_at=follow_up_at,
                note=note,
            )
    except IntegrityError as exc:  # a concurrent promise on the case won the race
        raise DomainError(
            _("The promise was not recorded."),
            errors={
                "case": [_("The case has an open promise already: cancel it before recording a new one.")]
            },
            code=ErrorCode.CONFLICT,
        ) from exc
    PromisePart.objects.bulk_create(
        PromisePart(promise=promise, seq=seq, due_date=date, amount=amount, deadline=date + grace)
        for seq, (date, amount) in enumerate(parts, start=1)
    )
    return promise


def _follow_up_schedule(
    *, promise: PromiseToPay, due_at: dt.datetime, attempt: ContactAttempt | None, actor: Actor | None, now: dt.datetime
) -> None:
    """The borrower agreed to be called again at ``due_at``: their direct consent (now) and the
    callback, which the compliance engine must allow (else the whole promise is refused). The
    caller reprioritizes the case."""
    preference_update(
        borrower=promise.case.account.borrower,
        changes={"direct_consent_at": now},
        actor=_user(actor),
        reason=f"promise {promise.pk}: follow-up call agreed",
    )
    try:
        callback_schedule(
            case=promise.case,
            due_at=due_at,
            phone=attempt.phone if attempt is not None else None,
            reason=Callback.Reason.PROMISE,
            actor=actor,
            promise=promise,
            now=now,
        )
    except DomainError as refusal:
        raise DomainError(
            _("The promise was not recorded: %(reason)s") % {"reason": refusal.message},
            errors={"follow_up_at": [m for messages in refusal.errors.values() for m in messages]},
            code=refusal.code,
            extra=refusal.extra,
        ) from refusal


@transaction.atomic
def promise_cancel(*, promise: PromiseToPay, actor: Actor | None = None, reason: str = "") -> PromiseToPay:
    """Cancel an open promise (renegotiated, recorded by mistake); its open parts are cancelled too.

    A settled promise cannot be cancelled. Locks the promise row.
    """
    promise = PromiseToPay.objects.select_for_update().get(pk=promise.pk)
    if promise.status != PromiseToPay.Status.OPEN:
        raise DomainError(
            _("Only an open promise can be cancelled; this one is %(status)s.")
            % {"status": promise.get_status_display()},
            errors={"promise": [_("Not open.")]},
        )
    if not reason.strip():
        raise DomainError(_("Say why the promise is cancelled."), errors={"reason": [_("Required.")]})
    today = business_today()
    promise.status = PromiseToPay.Status.CANCELLED
    promise.settled_on = today
    promise.save(update_fields=["status", "settled_on", "updated_at"])
    promise.parts.filter(status=PromisePart.Status.OPEN).update(
        status=PromisePart.Status.CANCELLED, settled_on=today
    )
    audit_record(
        action="promise.cancel",
        obj=promise,
        actor=actor,
        before={"status": PromiseToPay.Status.OPEN},
        after={"status": PromiseToPay.Status.CANCELLED},
        reason=reason.strip()[:255],
    )
    cases_reprioritize(today=today, case_ids=[promise.case_id])
    return promise
