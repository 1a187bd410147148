"""The promise hold, set-based: the open cases that no collection call may reach now because of an
open promise to pay (DESIGN.md 5), as one SQL condition for the agent's queue and the dialer's list.

The engine decides each call exactly (the borrower's own date, ``promise_hold`` per policy). This
condition leaves out only the cases the engine would surely hold, so that no callable case ever
drops out of a list: a promise whose next open part is dated after today everywhere on earth (the
latest local date is UTC+14's), with no agreed follow-up due, while every call rule in force holds
promises. The cases it keeps that the engine holds on the borrower's own date are refused there,
with the reason and the time the hold ends.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from collections_app.models import ContactAttempt, PromisePart, PromiseToPay
from scheduling.engine.policies import policies_snapshot
from scheduling.models import Callback

LATEST_UTC_OFFSET = dt.timedelta(hours=14)


def promise_hold_applies() -> bool:
    """Every call rule in force holds promises (the shipped presets all do)."""
    return all(
        rule.promise_hold
        for (_policy, channel), rule in policies_snapshot().rules.items()
        if channel == ContactAttempt.Channel.CALL
    )


def held_by_promise(*, at: dt.datetime) -> Q:
    """Cases (``Case`` rows) held by their open promise at ``at``; an empty condition (nothing held)
    when a call rule in force does not hold promises. Use as ``cases.exclude(held_by_promise(at=at))``."""
    if not promise_hold_applies():
        return Q(pk__in=[])
    latest_today = (at.astimezone(dt.UTC) + LATEST_UTC_OFFSET).date()
    open_parts = PromisePart.objects.filter(promise=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
    follow_ups = Callback.objects.filter(promise=OuterRef("pk"), reason=Callback.Reason.PROMISE)
    follow_up_due = Q(Exists(follow_ups.filter(status=Callback.Status.PENDING, due_at__lte=at))) | Q(
        ~Exists(follow_ups), follow_up_at__lte=at
    )
    held = (
        PromiseToPay.objects.filter(case=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
        .filter(Exists(open_parts))
        .exclude(Exists(open_parts.filter(due_date__lte=latest_today)))
        .exclude(follow_up_due)
    )
    return Q(Exists(held))
