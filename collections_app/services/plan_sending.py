"""The plan's messages, handed to the messaging service within each borrower's window.

``plan_sends_dispatch`` takes the planned sends whose time has come (``not_before``), a batch at a time,
each under its row lock (skipped when another dispatcher holds it), and decides the batch together, in
a constant number of statements whatever its size; for each send it:

- stops it when one of its step's stop conditions now holds (paid, promise open, complaint, cease),
  and lets it lapse when the plan's date has ended in the borrower's time zone;
- skips it when the borrower has no address for the channel (a consenting mobile not opted out, or a
  consenting e-mail address);
- creates the message through ``messages_create_many`` (``message_create`` for many), which asks the
  compliance engine once per group of equal deciding facts, after one lock of the batch's counter rows
  (``attempts_reserve_many``), and records it queued or refused with the decision and its reasons;
  refused only until a later time of the plan's day (outside the borrower's hours, say), nothing is
  recorded and the send waits until then (``defer``, its ``not_before`` the engine's ``next_allowed_at``).

The batch's sends end with one update; the messages are written with one insert, their attempts with
another.

The message's idempotency key is the planned action's, so a dispatch that ran twice creates one message.
The caller hands the queued messages to the sender after the commit.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import EmailAddress, Phone
from collections_app.models import ContactAttempt, Message, MessageTemplate, PlanAction
from collections_app.services.messages import MessageAsk, MessageDeferred, messages_create_many
from collections_app.services.plan import STOPS, stop_flags
from scheduling.engine import Decision
from scheduling.engine.clock import local_date, zone_or_none

# The borrower's personal data that deciding and writing a message does not read, left unread (and not
# decrypted) with the batch's rows; reading one would cost a query per send.
_UNREAD_BORROWER = tuple(
    f"account__borrower__{name}" for name in ("name_index", "national_id_last4", "date_of_birth", "address_line", "postal_code")
)
_UNREAD_PHONE = ("number_index", "number_tails", "third_party_name")
BATCH = 1000  # a commit (its WAL flush) per batch; the batch holds its counters locked until then


@dataclass
class Dispatched:
    queued: list[int] = field(default_factory=list)  # message ids to hand to the sender
    refused: int = 0
    waiting: int = 0
    stopped: int = 0
    skipped: int = 0
    lapsed: int = 0

    def add(self, other: Dispatched) -> None:
        self.queued += other.queued
        self.refused += other.refused
        self.waiting += other.waiting
        self.stopped += other.stopped
        self.skipped += other.skipped
        self.lapsed += other.lapsed

    def processed(self) -> int:
        return len(self.queued) + self.refused + self.waiting + self.stopped + self.skipped + self.lapsed

    def as_dict(self) -> dict[str, int]:
        return {
            "queued": len(self.queued), "refused": self.refused, "waiting": self.waiting, "stopped": self.stopped,
            "skipped": self.skipped, "lapsed": self.lapsed,
        }  # fmt: skip


def _addresses(rows: list[PlanAction]) -> tuple[dict[int, Phone], dict[int, EmailAddress]]:
    """The address of each borrower of these sends, by borrower id: the first consenting mobile of their
    own not opted out (texts), the first consenting address not opted out (e-mail)."""
    texts = {row.account.borrower_id for row in rows if row.channel == MessageTemplate.Channel.SMS}
    mails = {row.account.borrower_id for row in rows if row.channel != MessageTemplate.Channel.SMS}
    phones: dict[int, Phone] = {}
    emails: dict[int, EmailAddress] = {}
    if texts:
        for phone in Phone.objects.filter(
            borrower_id__in=texts, type=Phone.Type.MOBILE, owner=Phone.Owner.BORROWER,
            sms_consent=True, sms_opted_out=False, uncallable=False,
        ).defer(*_UNREAD_PHONE).order_by("-pk"):  # fmt: skip
            phones[phone.borrower_id] = phone  # the first by id stays
    if mails:
        for email in EmailAddress.objects.filter(borrower_id__in=mails, consent=True, opted_out=False).order_by("-pk"):
            emails[email.borrower_id] = email
    return phones, emails


def _stop_reasons(rows: list[PlanAction]) -> dict[int, str]:
    """The stop condition that now holds for each send, by its id (one query per plan date)."""
    reasons: dict[int, str] = {}
    by_date: dict[dt.date, list[PlanAction]] = {}
    for row in rows:
        by_date.setdefault(row.date, []).append(row)
    for day, dated in by_date.items():
        flags = stop_flags(day, account="account_id", borrower="account__borrower_id")
        held = {
            values["pk"]: values
            for values in PlanAction.objects.filter(pk__in=[row.pk for row in dated])
            .annotate(**{flag: flags[flag] for flag, _, _ in STOPS})
            .values("pk", *(flag for flag, _, _ in STOPS))
        }
        for row in dated:
            for flag, flag_field, reason in STOPS:
                if getattr(row.action, flag_field) and held[row.pk][flag]:
                    reasons[row.pk] = reason
                    break
    return reasons


def _zone(row: PlanAction) -> ZoneInfo:
    return zone_or_none(row.account.borrower.timezone) or ZoneInfo("UTC")


def _later_today(row: PlanAction) -> Callable[[Decision], bool]:
    """Whether a refusal of this send only lasts until a later time of its plan's day."""

    def later_today(decision: Decision) -> bool:
        later = decision.next_allowed_at
        return later is not None and local_date(_zone(row), later) <= row.date

    return later_today


def _dispatch_batch(rows: list[PlanAction], now: dt.datetime, out: Dispatched) -> None:
    """The sends of one batch, held locked by the caller: every outcome written with one statement."""
    changed: list[PlanAction] = []
    sending: list[PlanAction] = []
    for row in rows:
        if local_date(_zone(row), now) > row.date:
            row.status, row.reason = PlanAction.Status.LAPSED, "day_ended"
            changed.append(row)
            out.lapsed += 1
        else:
            sending.append(row)
    stops = _stop_reasons(sending)
    phones, emails = _addresses([row for row in sending if row.pk not in stops])
    asks: list[tuple[PlanAction, MessageAsk]] = []
    for row in sending:
        borrower_id = row.account.borrower_id
        phone = phones.get(borrower_id) if row.channel == MessageTemplate.Channel.SMS else None
        email = emails.get(borrower_id) if row.channel != MessageTemplate.Channel.SMS else None
        if reason := stops.get(row.pk):
            row.status, row.reason = PlanAction.Status.STOPPED, reason
            changed.append(row)
            out.stopped += 1
        elif phone is None and email is None:
            row.status, row.reason = PlanAction.Status.SKIPPED, "no_address"
            changed.append(row)
            out.skipped += 1
        else:
            if phone is not None:
                phone.borrower = row.account.borrower  # the engine reads the number with its borrower
            ask = MessageAsk(
                account=row.account, template_code=row.template_code, case=row.case, phone=phone, email=email,
                idempotency_key=f"plan-action:{row.pk}", defer=_later_today(row),
            )  # fmt: skip
            asks.append((row, ask))
    decided = messages_create_many([ask for _row, ask in asks], at=now, source=ContactAttempt.Source.DIALER)
    for (row, _ask), result in zip(asks, decided, strict=True):
        changed.append(row)
        if isinstance(result, MessageDeferred):
            row.not_before = result.decision.next_allowed_at
            out.waiting += 1
            continue
        row.message = result.message
        if result.message.status == Message.Status.REFUSED:
            row.status, row.reason = PlanAction.Status.REFUSED, ",".join(result.decision.codes)[:64]
            out.refused += 1
        else:
            row.status = PlanAction.Status.QUEUED
            out.queued.append(result.message.pk)
    _outcomes_save(changed)


# The batch's outcomes in one statement on PostgreSQL (``bulk_update``'s CASE per row and field cost more
# to build than the rest of the batch); elsewhere ``bulk_update``, which says the same.
_OUTCOMES_SQL = f"""
    UPDATE {PlanAction._meta.db_table} AS p
    SET status = v.status, reason = v.reason, message_id = v.message_id, not_before = v.not_before
    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::timestamptz[])
         AS v(id, status, reason, message_id, not_before)
    WHERE p.id = v.id"""


def _outcomes_save(rows: list[PlanAction]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        PlanAction.objects.bulk_update(rows, ["status", "reason", "message", "not_before"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTCOMES_SQL,
            [
                [row.pk for row in rows], [row.status for row in rows], [row.reason for row in rows],
                [row.message_id for row in rows], [row.not_before for row in rows],
            ],
        )  # fmt: skip


def plan_sends_dispatch(*, now: dt.datetime | None = None, limit: int = 2000) -> Dispatched:
    """Hand the planned sends due by ``now`` to the messaging service, at most ``limit``; see the module's
    docstring. Each batch is claimed with its row locks, skipping the rows another dispatcher holds, so
    dispatchers running at once share the sends due."""
    now = now or timezone.now()
    out = Dispatched()
    done = 0
    while done < limit:
        with transaction.atomic():
            rows = list(
                PlanAction.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(kind="send", status=PlanAction.Status.PLANNED, not_before__lte=now)
                .select_related("account__borrower", "case", "action")
                .defer(*_UNREAD_BORROWER)
                .order_by("not_before", "pk")[: min(BATCH, limit - done)]
            )
            if not rows:
                break
            rows.sort(key=lambda row: row.pk)
            _dispatch_batch(rows, now, out)
        done += len(rows)
    return out


def plan_sends_drain(
    *, handed: Callable[[list[int]], None], budget_seconds: float, turn: int = 2000
) -> Dispatched:
    """``plan_sends_dispatch`` turn after turn (``turn`` sends each, their time checked at the turn's start),
    handing each turn's queued messages to ``handed`` after its commits, until a turn finds fewer sends
    than it may take (none left that another dispatcher does not hold) or ``budget_seconds`` have passed
    (the next run goes on). Several drains at once share the sends due, each batch claimed by one."""
    out = Dispatched()
    deadline = time.monotonic() + budget_seconds
    while True:
        done = plan_sends_dispatch(limit=turn)
        handed(done.queued)
        out.add(done)
        if done.processed() < turn or time.monotonic() >= deadline:
            return out
