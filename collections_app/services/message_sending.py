"""Sending the queued messages through their provider, and what the provider reports back.

- ``message_send`` hands one queued message to its channel's provider, once: it locks the address
  (the phone or the e-mail address) and then the message, and sends only a message still
  ``queued``, so a task that runs twice sends it once. Under the same locks it checks again that the
  medium was not opted out (nor consent withdrawn, nor a cease requested) since the engine allowed
  it, and that the window it was allowed in (``window_closes_at`` of its decision) is still open: an
  inbound STOP takes the same address row first, so no message is sent after a STOP has committed.
  A message stopped so is ``refused`` with the reason (a new message is decided afresh). A provider's error counts a try and keeps its reason; a transient one raises
  ``MessageRetry`` (the task tries again later) until ``final``, when the message ends ``failed``.
  A sent message completes its attempt; a failed or stopped one releases it (it stops counting).
- ``services.message_batch.messages_send_batch`` is the same, a batch at a time (what the tasks use).
- ``messages_stranded``: queued messages no sender has touched for a while (the broker was down at
  the commit, a worker lost its task): the periodic sweep hands them to the sender again.
- ``provider_slot_take`` holds a sender to the provider's messages per second, shared by every
  worker through the cache. Called before any lock is taken.
- ``message_status_apply``: a delivery status from the provider. Statuses only move forward
  (queued, sent, delivered or failed, replied), so a replayed or late callback changes nothing.
- ``inbound_record``: a reply. Kept once per provider id (a replay adds nothing); a STOP word
  (``message_text.is_stop_reply``: DESIGN.md 15's, English and Chinese) opts the number out of texts
  at once, on the register, audited.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailAddress, Phone
from accounts.services.audit import audit_record
from collections_app.models import ContactAttempt, DncEntry, InboundMessage, Message
from collections_app.models.message_text import is_stop_reply
from collections_app.services.attempts import RELEASABLE, AttemptOutcome, attempt_outcome_set, attempt_release
from collections_app.services.dnc import dnc_medium_opt_out_record
from collections_app.services.message_providers import MessageProvider, Outgoing, ProviderError, provider_for
from collections_app.services.message_unsubscribe import unsubscribe_url
from config.pii import phone_index
from scheduling.models import ContactPreference

# How long after a message a reply from its number is taken as the reply to it.
REPLY_WINDOW = dt.timedelta(days=7)

# A queued message untouched this long has no sender coming (the longest backoff between tries is
# shorter: MESSAGING_RETRY_SECONDS * 2 ** (MESSAGING_SEND_MAX_RETRIES - 1), 8 minutes by default).
STRANDED_AFTER = dt.timedelta(minutes=15)
STRANDED_BATCH = 10_000

# A status only moves to a higher rank: a replayed or out-of-order callback changes nothing.
_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.FAILED: 2,
    Message.Status.REPLIED: 3,
    Message.Status.REFUSED: 9,
}
# The provider's statuses (Twilio's words) in ours.
PROVIDER_STATUSES = {
    "accepted": Message.Status.SENT,
    "queued": Message.Status.SENT,
    "sending": Message.Status.SENT,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.FAILED,
    "failed": Message.Status.FAILED,
}


class MessageRetry(Exception):
    """The provider failed for now; the message stays queued for another try."""


def status_callback_url(integration: str) -> str:
    """The status callback URL given to the provider (empty without ``MESSAGING_CALLBACK_BASE_URL``)."""
    base = settings.MESSAGING_CALLBACK_BASE_URL
    return f"{base}{reverse('api-sms-status', args=[integration])}" if base else ""


def messages_stranded(*, now: dt.datetime | None = None, limit: int = STRANDED_BATCH) -> list[int]:
    """Ids of the queued messages not updated for ``STRANDED_AFTER`` (oldest first, at most ``limit``).
    Sending one again is safe: the sender sends a message once, and stops one whose window closed."""
    before = (now or timezone.now()) - STRANDED_AFTER
    return list(
        Message.objects.filter(status=Message.Status.QUEUED, updated_at__lt=before)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def provider_slot_take(
    provider: MessageProvider,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Wait until the provider's current second has room for one more message (``rate_per_second``)."""
    provider_slots_take(provider, 1, clock=clock, sleep=sleep)


def provider_slots_take(
    provider: MessageProvider,
    want: int,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Wait until the provider's current second has room, and take up to ``want`` of its
    ``rate_per_second`` messages in it; returns how many were taken (at least one).

    The counter of each second lives in the shared cache, so every worker shares the limit; a cache
    that does not answer lets them pass (the provider's own limit still holds)."""
    limit = provider.rate_per_second
    if limit <= 0 or want <= 0:
        return max(want, 0)
    while True:
        now = clock()
        window = int(now)
        key = f"msg-rate:{provider.name}:{window}"
        try:
            cache.add(key, 0, timeout=5)
            taken = cache.incr(key, want)
        except Exception:  # noqa: BLE001 - any cache failure: do not hold the sender up
            return want
        granted = min(want, limit - (taken - want))
        if granted > 0:
            return granted
        sleep(max(window + 1 - now, 0.001))


@dataclass(frozen=True)
class SendOutcome:
    status: str  # the message's status after this try
    sent: bool  # this call handed it to the provider
    reason: str = ""


def stop_reason(
    message: Message, phone: Phone | None, email: EmailAddress | None, now: dt.datetime, ceased: bool | None = None
) -> str:
    """Why a queued message may no longer go, or '': the window the engine allowed it in has closed
    (a retry or a queue that waited too long), or the medium was opted out (or consent withdrawn, or a
    cease requested) since."""
    closes = message.decision.get("window_closes_at")
    if closes and now >= dt.datetime.fromisoformat(str(closes).replace("Z", "+00:00")):
        return "outside_window"
    if phone is not None:
        if phone.sms_opted_out:
            return "sms_opt_out"
        if not phone.sms_consent:
            return "sms_consent_missing"
    if email is not None and email.opted_out:
        return "email_opt_out"
    if ceased is None:  # not read for the batch already
        borrower_id = phone.borrower_id if phone is not None else email.borrower_id if email is not None else 0
        ceased = ContactPreference.objects.filter(borrower_id=borrower_id, cease_communication=True).exists()
    return "cease_communication" if ceased else ""


def _attempt_give_back(message: Message) -> None:
    """The message did not reach the borrower: its reservation stops counting (through the attempt's home)."""
    if message.attempt is not None and message.attempt.status in RELEASABLE:
        attempt_release(message.attempt)


def _attempt_sent(message: Message, at: dt.datetime) -> None:
    if message.attempt_id is None:
        return
    attempt = ContactAttempt.objects.select_for_update().get(pk=message.attempt_id)
    if attempt.status in RELEASABLE:
        attempt_outcome_set(attempt, AttemptOutcome(ended_at=max(at, attempt.placed_at)))
        attempt.save()


def outgoing_for(message: Message, phone: Phone | None, email: EmailAddress | None, callback: str) -> Outgoing:
    """The message as its provider sees it, with the same idempotency key on every try (a try after a
    worker died with the provider's answer in hand, before saving it, is the same text to the
    provider). The number is read through the model (decrypted there)."""
    return Outgoing(
        message_id=message.pk,
        channel=message.channel,
        to=phone.number if phone is not None else email.address if email is not None else "",
        subject=message.subject,
        body=message.body,
        status_callback=callback if message.channel == "sms" else "",
        unsubscribe_url=unsubscribe_url(email.pk) if email is not None else "",
        idempotency_key=provider_idempotency_key(message),
    )


def provider_idempotency_key(message: Message) -> str:
    """The key a provider sees on every try of ``message``: its id and the instant it was made, so it
    names this message only, even to a provider account that two databases (staging, a restore) share."""
    return f"cw-message-{message.pk}-{round(message.created_at.timestamp() * 1_000_000)}"


def message_send(
    *, message_id: int, final: bool = False, provider: MessageProvider | None = None
) -> SendOutcome:
    """Send message ``message_id`` if it is still queued; see the module's docstring.

    Raises ``MessageRetry`` after a transient provider error when ``final`` is false (the try and its
    reason are committed first). Holds the address's and the message's row locks while the provider
    is called, so keep the provider's timeout short (``MESSAGING_PROVIDER_TIMEOUT_SECONDS``).
    """
    head = Message.objects.filter(pk=message_id).values("status", "channel", "phone_id", "email_id").first()
    if head is None or head["status"] != Message.Status.QUEUED:
        return SendOutcome(status=head["status"] if head else "", sent=False)
    provider = provider or provider_for(head["channel"])
    provider_slot_take(provider)
    with transaction.atomic():
        # The address first, then the message: the order an inbound STOP takes them in.
        phone = Phone.objects.select_for_update().get(pk=head["phone_id"]) if head["phone_id"] else None
        email = (
            EmailAddress.objects.select_for_update().get(pk=head["email_id"]) if head["email_id"] else None
        )
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Message.Status.QUEUED:  # another run sent it (or stopped it) first
            return SendOutcome(status=message.status, sent=False)
        now = timezone.now()
        stop = stop_reason(message, phone, email, now)
        if stop:
            message.status = Message.Status.REFUSED
            message.failure_reason = f"{stop}: stopped before sending"
            message.failed_at = now
            message.decision = {**message.decision, "stopped_at_send": stop}
            message.save(update_fields=["status", "failure_reason", "failed_at", "decision", "updated_at"])
            _attempt_give_back(message)
            audit_record(action="message.stopped", obj=message, after={"reason": stop}, reason=stop)
            return SendOutcome(status=message.status, sent=False, reason=stop)
        outgoing = outgoing_for(message, phone, email, status_callback_url(provider.name))
        message.tries += 1
        message.provider = provider.name[:32]
        try:
            result = provider.send(outgoing)
        except ProviderError as exc:
            message.failure_reason = exc.reason[:255]
            retry = exc.transient and not final
            if not retry:
                message.status = Message.Status.FAILED
                message.failed_at = now
                _attempt_give_back(message)
            message.save(
                update_fields=["tries", "provider", "failure_reason", "status", "failed_at", "updated_at"]
            )
        else:
            message.status = Message.Status.SENT
            message.provider_message_id = result.provider_message_id
            message.sent_at = now
            message.failure_reason = ""
            message.save(
                update_fields=[
                    "tries",
                    "provider",
                    "provider_message_id",
                    "status",
                    "sent_at",
                    "failure_reason",
                    "updated_at",
                ]
            )
            _attempt_sent(message, now)
            return SendOutcome(status=message.status, sent=True)
    if retry:
        raise MessageRetry(message.failure_reason)
    return SendOutcome(status=message.status, sent=False, reason=message.failure_reason)


@transaction.atomic
def message_status_apply(
    *, provider_name: str, provider_message_id: str, provider_status: str, error_code: str = "",
    at: dt.datetime | None = None,
) -> bool:  # fmt: skip
    """Apply a provider's delivery status to its message. Returns whether anything changed: an unknown
    message or status, a replay, or a status behind the message's changes nothing. Locks the message."""
    target = PROVIDER_STATUSES.get(provider_status.strip().lower())
    message = (
        Message.objects.select_for_update()
        .filter(provider=provider_name, provider_message_id=provider_message_id)
        .first()
    )
    if target is None or message is None or _RANK[target] <= _RANK[Message.Status(message.status)]:
        return False
    at = at or timezone.now()
    message.status = target
    fields = ["status", "updated_at"]
    if target == Message.Status.DELIVERED:
        message.delivered_at = at
        fields.append("delivered_at")
    elif target == Message.Status.FAILED:
        message.failed_at = at
        message.failure_reason = f"{provider_name}: {provider_status}" + (
            f" (error {error_code})" if error_code else ""
        )
        fields += ["failed_at", "failure_reason"]
    elif message.sent_at is None:
        message.sent_at = at
        fields.append("sent_at")
    message.save(update_fields=fields)
    return True


@dataclass(frozen=True)
class InboundRecorded:
    inbound: InboundMessage
    created: bool
    opt_out: DncEntry | None


def inbound_record(
    *, integration: str, provider_message_id: str, from_number: str, body: str, at: dt.datetime | None = None
) -> InboundRecorded:
    """Record a reply from ``from_number`` (E.164) once per provider id; a STOP word opts the number out
    of texts (every borrower's phone with it) in the same transaction, and the message it answers is
    ``replied``. A replay returns the reply already kept and changes nothing."""
    at = at or timezone.now()
    existing = InboundMessage.objects.filter(provider_message_id=provider_message_id).first()
    if existing is not None:
        return InboundRecorded(inbound=existing, created=False, opt_out=None)
    opt_out = is_stop_reply(body)
    try:
        with transaction.atomic():
            entry = None
            if opt_out:  # the phones first (as the sender locks them), then the message answered
                entry, _created = dnc_medium_opt_out_record(
                    number=from_number,
                    reason=f"reply: {body.strip()[:60]}",
                    source=DncEntry.Source.REPLY,
                    requested_at=at,
                )
            inbound = InboundMessage.objects.create(
                integration=integration[:64],
                provider_message_id=provider_message_id,
                phone=Phone.objects.filter(number_index=phone_index(from_number)).order_by("pk").first(),
                from_number=from_number[:16],
                body=body,
                opt_out=opt_out,
                received_at=at,
            )
            answered = (
                Message.objects.select_for_update()
                .filter(
                    channel="sms",
                    phone__number_index=phone_index(from_number),
                    status__in=[Message.Status.SENT, Message.Status.DELIVERED],
                    sent_at__gte=at - REPLY_WINDOW,
                )
                .order_by("-sent_at")
                .first()
            )
            if answered is not None:
                answered.status = Message.Status.REPLIED
                answered.replied_at = at
                answered.save(update_fields=["status", "replied_at", "updated_at"])
    except IntegrityError:  # the same reply, delivered twice at once: the other one recorded it
        return InboundRecorded(
            inbound=InboundMessage.objects.get(provider_message_id=provider_message_id),
            created=False,
            opt_out=None,
        )
    return InboundRecorded(inbound=inbound, created=True, opt_out=entry)
