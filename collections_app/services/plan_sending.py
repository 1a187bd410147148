"""The plan's messages, handed to the messaging service within each borrower's window.

``plan_sends_dispatch`` takes the planned sends whose time has come (``not_before``), a batch at a time,
each under its row lock (skipped when another dispatcher holds it), and for each:

- stops it when one of its step's stop conditions now holds (paid, promise open, complaint, cease),
  and lets it lapse when the plan's date has ended in the borrower's time zone;
- skips it when the borrower has no address for the channel (a consenting mobile not opted out, or a
  consenting e-mail address);
- creates the message through ``message_create``, which asks the compliance engine once, under the
  reservation's lock, and records it queued or refused with the reasons; refused only until a later
  time of the plan's day (outside the borrower's hours, say), nothing is recorded and the send waits
  until then (``defer``).

The message's idempotency key is the planned action's, so a dispatch that ran twice creates one message.
The caller hands the queued messages to the sender after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import EmailAddress, Phone
from collections_app.models import ContactAttempt, Message, MessageTemplate, PlanAction
from collections_app.services.messages import MessageDeferred, message_create
from collections_app.services.plan import STOPS, stop_flags
from scheduling.engine import Decision
from scheduling.engine.clock import local_date, zone_or_none

BATCH = 200


@dataclass
class Dispatched:
    queued: list[int] = field(default_factory=list)  # message ids to hand to the sender
    refused: int = 0
    waiting: int = 0
    stopped: int = 0
    skipped: int = 0
    lapsed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "queued": len(self.queued), "refused": self.refused, "waiting": self.waiting, "stopped": self.stopped,
            "skipped": self.skipped, "lapsed": self.lapsed,
        }  # fmt: skip


def _address(row: PlanAction) -> tuple[Phone | None, EmailAddress | None]:
    borrower_id = row.account.borrower_id
    if row.channel == MessageTemplate.Channel.SMS:
        phone = (
            Phone.objects.filter(
                borrower_id=borrower_id, type=Phone.Type.MOBILE, owner=Phone.Owner.BORROWER,
                sms_consent=True, sms_opted_out=False, uncallable=False,
            )  # fmt: skip
            .order_by("pk")
            .first()
        )
        return phone, None
    email = EmailAddress.objects.filter(borrower_id=borrower_id, consent=True, opted_out=False).order_by("pk").first()
    return None, email


def _stop_reason(row: PlanAction, today: dt.date) -> str:
    flags = stop_flags(today, account="account_id", borrower="account__borrower_id")
    held = (
        PlanAction.objects.filter(pk=row.pk)
        .annotate(**{flag: flags[flag] for flag, _, _ in STOPS})
        .values(*(flag for flag, _, _ in STOPS))
        .get()
    )
    for flag, flag_field, reason in STOPS:
        if getattr(row.action, flag_field) and held[flag]:
            return reason
    return ""


def _dispatch_one(row: PlanAction, now: dt.datetime, out: Dispatched) -> None:
    zone = zone_or_none(row.account.borrower.timezone) or ZoneInfo("UTC")
    if local_date(zone, now) > row.date:
        row.status, row.reason = PlanAction.Status.LAPSED, "day_ended"
        row.save(update_fields=["status", "reason"])
        out.lapsed += 1
        return
    if reason := _stop_reason(row, row.date):
        row.status, row.reason = PlanAction.Status.STOPPED, reason
        row.save(update_fields=["status", "reason"])
        out.stopped += 1
        return
    phone, email = _address(row)
    if phone is None and email is None:
        row.status, row.reason = PlanAction.Status.SKIPPED, "no_address"
        row.save(update_fields=["status", "reason"])
        out.skipped += 1
        return

    def later_today(decision: Decision) -> bool:
        later = decision.next_allowed_at
        return later is not None and local_date(zone, later) <= row.date

    try:
        decided = message_create(
            case=row.case, account=row.account, template_code=row.template_code, phone=phone, email=email, at=now,
            source=ContactAttempt.Source.DIALER, idempotency_key=f"plan-action:{row.pk}", defer=later_today,
        )  # fmt: skip
    except MessageDeferred as deferred:
        row.not_before = deferred.decision.next_allowed_at
        row.save(update_fields=["not_before"])
        out.waiting += 1
        return
    row.message = decided.message
    if decided.message.status == Message.Status.REFUSED:
        row.status, row.reason = PlanAction.Status.REFUSED, ",".join(decided.decision.codes)[:64]
        out.refused += 1
    else:
        row.status = PlanAction.Status.QUEUED
        out.queued.append(decided.message.pk)
    row.save(update_fields=["status", "reason", "message"])


def plan_sends_dispatch(*, now: dt.datetime | None = None, limit: int = 2000) -> Dispatched:
    """Hand the planned sends due by ``now`` to the messaging service; see the module's docstring."""
    now = now or timezone.now()
    out = Dispatched()
    due = PlanAction.objects.filter(kind="send", status=PlanAction.Status.PLANNED, not_before__lte=now)
    ids = list(due.order_by("not_before", "pk").values_list("pk", flat=True)[:limit])
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            rows = (
                PlanAction.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=ids[start : start + BATCH], status=PlanAction.Status.PLANNED)
                .select_related("account__borrower", "case__account__borrower", "action")
                .order_by("pk")
            )
            for row in rows:
                with transaction.atomic():
                    _dispatch_one(row, now, out)
    return out

