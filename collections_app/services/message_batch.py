"""The batch sender: many queued messages handed to their provider at once, by ``message_send``'s rules.

One transaction per batch of a channel's messages (``SEND_BATCH``, or one second of the provider's
rate when that is less: the row locks are held while it sends): the addresses' rows first (in id
order, as an inbound STOP takes them: a STOP that committed first is seen, one arriving meanwhile
waits for the batch), then the queued messages with ``SKIP LOCKED`` (one another sender holds is
its), a check of each again (window, opt-out, consent, cease), the provider's calls together
(``provider_send_many``: concurrent calls over kept-alive connections) as the provider's current
second has room for them (``provider_slots_take``, right before the calls, so a second's messages
go in that second), and the statuses and attempts written at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import EmailAddress, Phone
from accounts.services.audit import audit_record
from accounts.services.bulk import objects_update
from collections_app.models import Message
from collections_app.services.attempts import attempts_complete_many, attempts_release_many
from collections_app.services.message_providers import (
    MessageProvider,
    Outgoing,
    ProviderError,
    SendResult,
    provider_for,
    provider_send_many,
)
from collections_app.services.message_sending import (
    outgoing_for,
    provider_slots_take,
    status_callback_url,
    stop_reason,
)
from scheduling.models import ContactPreference

# Messages one transaction takes (its row locks are held while the provider answers).
SEND_BATCH = 500


@dataclass
class BatchSent:
    """What one batch did, by message id. ``retry``: transient failures left queued, with their tries so far."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    retry: dict[int, int] = field(default_factory=dict)
    skipped: int = 0  # no longer queued, or held by another sender

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": len(self.sent), "failed": len(self.failed), "stopped": len(self.stopped),
            "retry": len(self.retry), "skipped": self.skipped,
        }  # fmt: skip


def messages_send_batch(
    *, message_ids: Sequence[int], final: bool | None = None, providers: Mapping[str, MessageProvider] | None = None
) -> BatchSent:
    """Send the still-queued messages among ``message_ids``, a batch at a time; see the module's docstring.

    A transient provider error counts a try and leaves the message queued (in ``retry``, for the
    caller to try again after its backoff) until its last try (``MESSAGING_SEND_MAX_RETRIES``
    retries, or ``final``), when it ends ``failed`` with the reason."""
    out = BatchSent()
    heads = list(
        Message.objects.filter(pk__in=list(message_ids), status=Message.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", "channel", "phone_id", "email_id")
    )
    out.skipped = len(set(message_ids)) - len(heads)
    for channel in sorted({head[1] for head in heads}):
        mine = [head for head in heads if head[1] == channel]
        provider = (providers or {}).get(channel) or provider_for(channel)
        # About one second of the provider's rate per transaction: its row locks are held while it sends.
        size = min(SEND_BATCH, provider.rate_per_second) if provider.rate_per_second > 0 else SEND_BATCH
        for start in range(0, len(mine), size):
            _batch_send(mine[start : start + size], provider, final, out)
    return out


def _batch_send(
    heads: Sequence[tuple[int, str, int | None, int | None]], provider: MessageProvider, final: bool | None, out: BatchSent
) -> None:
    ids = [head[0] for head in heads]
    phone_ids = sorted({head[2] for head in heads if head[2]})
    email_ids = sorted({head[3] for head in heads if head[3]})
    limit = int(settings.MESSAGING_SEND_MAX_RETRIES)
    with transaction.atomic():
        # The addresses first, then the messages: the order an inbound STOP (and ``message_send``) takes them in.
        phones = {p.pk: p for p in Phone.objects.select_for_update(no_key=True).filter(pk__in=phone_ids).order_by("pk")}
        emails = {
            e.pk: e for e in EmailAddress.objects.select_for_update(no_key=True).filter(pk__in=email_ids).order_by("pk")
        }
        messages = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=Message.Status.QUEUED)
            .order_by("pk")
        )
        out.skipped += len(ids) - len(messages)
        borrowers = {p.borrower_id for p in phones.values()} | {e.borrower_id for e in emails.values()}
        ceased = set(
            ContactPreference.objects.filter(borrower_id__in=borrowers, cease_communication=True).values_list(
                "borrower_id", flat=True
            )
        )
        now = timezone.now()
        callback = status_callback_url(provider.name)
        going: list[tuple[Message, Outgoing]] = []
        stopped: list[tuple[Message, str]] = []
        for message in messages:
            phone = phones.get(message.phone_id) if message.phone_id else None
            email = emails.get(message.email_id) if message.email_id else None
            owner = phone.borrower_id if phone is not None else email.borrower_id if email is not None else 0
            stop = stop_reason(message, phone, email, now, ceased=owner in ceased)
            if stop:
                stopped.append((message, stop))
            else:
                going.append((message, outgoing_for(message, phone, email, callback)))
        for message, stop in stopped:
            message.status = Message.Status.REFUSED
            message.failure_reason = f"{stop}: stopped before sending"
            message.failed_at = now
            message.decision = {**message.decision, "stopped_at_send": stop}
            message.updated_at = now
        give_back = [m.attempt_id for m, _stop in stopped if m.attempt_id]
        done: list[int] = []
        handed: list[tuple[Message, SendResult | ProviderError, dt.datetime]] = []
        left = going
        while left:  # the provider's current second, taken right before the calls
            taken = provider_slots_take(provider, len(left))
            chunk, left = left[:taken], left[taken:]
            at = timezone.now()  # handed to the provider (the calls start now)
            results = provider_send_many(provider, [outgoing for _m, outgoing in chunk])
            handed += [(message, result, at) for (message, _o), result in zip(chunk, results, strict=True)]
        for message, result, at in handed:
            message.tries += 1
            message.provider = provider.name[:32]
            message.updated_at = at
            if isinstance(result, ProviderError):
                message.failure_reason = result.reason[:255]
                if result.transient and not (final if final is not None else message.tries > limit):
                    out.retry[message.pk] = message.tries
                    continue
                message.status = Message.Status.FAILED
                message.failed_at = at
                out.failed.append(message.pk)
                if message.attempt_id:
                    give_back.append(message.attempt_id)
            else:
                message.status = Message.Status.SENT
                message.provider_message_id = result.provider_message_id
                message.sent_at = at
                message.failure_reason = ""
                out.sent.append(message.pk)
                if message.attempt_id:
                    done.append(message.attempt_id)
        objects_update(  # not ``bulk_update``: its CASE per row and field took most of the batch's time
            Message,
            messages,
            ["status", "tries", "provider", "provider_message_id", "sent_at", "failed_at", "failure_reason",
             "decision", "updated_at"],
        )  # fmt: skip
        attempts_release_many(give_back)
        attempts_complete_many(done, ended_at=now)
        for message, stop in stopped:
            audit_record(action="message.stopped", obj=message, after={"reason": stop}, reason=stop)
            out.stopped.append(message.pk)
