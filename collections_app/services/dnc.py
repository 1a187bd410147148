"""The do-not-call register: record a number not to call or a borrower's cease request, and its change feed.

An entry sets what the compliance engine reads (``Phone.do_not_call`` on every phone with that
number, or the borrower's ``ContactPreference.cease_communication``), in the same transaction.
The feed lists entries by ``(updated_at, id)``: a keyset cursor, so entries written while a client
pages through are never skipped; entries younger than ``FEED_SETTLE_SECONDS`` wait for the next
pull, so that a transaction that commits a moment late is not passed by the cursor.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Borrower, EmailAddress, Phone
from accounts.services.audit import audit_record
from collections_app.models import DncEntry, Integration
from config.errors import DomainError
from config.instants import instant_problem
from config.pii import email_index, phone_index
from scheduling.models import ContactPreference
from scheduling.services.preferences import preference_update

FEED_SETTLE_SECONDS = 2


def _entry_create(**fields: object) -> tuple[DncEntry, bool]:
    """Create an active entry, or return the one already in force for the same number / borrower."""
    target = {
        DncEntry.Type.DO_NOT_CALL: "number",
        DncEntry.Type.SMS_OPT_OUT: "number",
        DncEntry.Type.EMAIL_OPT_OUT: "email",
        DncEntry.Type.CEASE: "borrower",
    }[fields["type"]]  # type: ignore[index]
    # Numbers and addresses are encrypted: the entry in force is found by their blind index.
    if target == "email":
        lookup = {"type": fields["type"], "email_index": email_index(str(fields["email"]))}
    elif target == "number":
        lookup = {"type": fields["type"], "number_index": phone_index(str(fields["number"]))}
    else:
        lookup = {"type": fields["type"], target: fields[target]}
    existing = DncEntry.objects.filter(active=True, **lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return DncEntry.objects.create(active=True, **fields), True
    except IntegrityError:  # a concurrent writer recorded it first
        return DncEntry.objects.get(active=True, **lookup), False


def _audit_reason(source: str) -> str:
    """The audit trail names where a request came from; the borrower's words stay in the entry's
    reason, encrypted at rest (the audit trail is not)."""
    return f"do-not-call register ({source})"


@transaction.atomic
def dnc_number_record(
    *,
    number: str,
    reason: str = "",
    source: str = DncEntry.Source.API,
    integration: Integration | None = None,
    actor: AbstractBaseUser | None = None,
    requested_at: dt.datetime | None = None,
) -> tuple[DncEntry, bool]:
    """Put an E.164 number on the do-not-call list (every borrower's phone with it). Idempotent.

    Returns the entry and whether it is new. A number not in the book yet is recorded all the same.
    """
    now = timezone.now()
    index = phone_index(number)  # numbers are encrypted: found by their blind index
    phones = list(Phone.objects.filter(number_index=index).values_list("pk", "borrower_id"))
    entry, created = _entry_create(
        type=DncEntry.Type.DO_NOT_CALL,
        number=number,
        borrower_id=phones[0][1] if len({b for _p, b in phones}) == 1 else None,
        reason=reason[:255],
        source=source,
        integration=integration,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        requested_at=requested_at or now,
    )
    flagged = Phone.objects.filter(number_index=index, do_not_call=False).update(do_not_call=True, updated_at=now)
    if created or flagged:
        audit_record(
            action="dnc.number",
            obj=entry,
            actor=actor,
            after={"phones": [pk for pk, _b in phones], "flagged": flagged, "source": source},
            reason=_audit_reason(source),
        )
    return entry, created


@transaction.atomic
def dnc_cease_record(
    *,
    borrower: Borrower,
    reason: str = "",
    source: str = DncEntry.Source.API,
    integration: Integration | None = None,
    actor: AbstractBaseUser | None = None,
    requested_at: dt.datetime | None = None,
) -> tuple[DncEntry, bool]:
    """Record the borrower's request to stop all communication (every channel). Idempotent."""
    at = requested_at or timezone.now()
    entry, created = _entry_create(
        type=DncEntry.Type.CEASE,
        number="",
        borrower=borrower,
        reason=reason[:255],
        source=source,
        integration=integration,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        requested_at=at,
    )
    ceased = ContactPreference.objects.filter(borrower=borrower, cease_communication=True).exists()
    if not ceased:
        preference_update(
            borrower=borrower,
            changes={"cease_communication": True, "cease_requested_at": at},
            actor=actor,  # type: ignore[arg-type]
            reason=_audit_reason(source),
        )
    return entry, created


@transaction.atomic
def dnc_medium_opt_out_record(
    *,
    number: str = "",
    email: str = "",
    reason: str = "",
    source: str = DncEntry.Source.REPLY,
    actor: AbstractBaseUser | None = None,
    requested_at: dt.datetime | None = None,
) -> tuple[DncEntry, bool]:
    """Opt a medium out (12 CFR 1006.14(h)): no more texts to ``number``, or no more e-mail to ``email``,
    for every borrower who has it; calls are not affected. Idempotent; audited when it changes anything.

    The flags the engine reads (``Phone.sms_opted_out``, ``EmailAddress.opted_out``) are set in the
    same transaction, so a message asked for after the commit is refused.
    """
    if bool(number) == bool(email):
        raise DomainError(_("Opt out a number or an address."), errors={"number": [_("One of number or email.")]})
    now = timezone.now()
    at = requested_at or now
    if number:
        index = phone_index(number)  # numbers are encrypted: found by their blind index
        owners = list(Phone.objects.filter(number_index=index).values_list("borrower_id", flat=True))
        changed = Phone.objects.filter(number_index=index, sms_opted_out=False).update(
            sms_opted_out=True, sms_opted_out_at=at, updated_at=now
        )
        kind, target = DncEntry.Type.SMS_OPT_OUT, {"number": number, "email": ""}
    else:
        email = email.strip().lower()
        index = email_index(email)  # addresses are encrypted: found by their blind index
        owners = list(EmailAddress.objects.filter(address_index=index).values_list("borrower_id", flat=True))
        changed = EmailAddress.objects.filter(address_index=index, opted_out=False).update(
            opted_out=True, opted_out_at=at, updated_at=now
        )
        kind, target = DncEntry.Type.EMAIL_OPT_OUT, {"number": "", "email": email}
    entry, created = _entry_create(
        type=kind,
        **target,
        borrower_id=owners[0] if len(set(owners)) == 1 else None,
        reason=reason[:255],
        source=source,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        requested_at=at,
    )
    if created or changed:
        audit_record(
            action=f"dnc.{kind}", obj=entry, actor=actor, after={"changed": changed, "source": source},
            reason=_audit_reason(source),
        )
    return entry, created


def dnc_reconcile() -> int:
    """Register what the book already says but the register lacks (numbers flagged do-not-call, cease
    requests recorded elsewhere), set-based. Returns entries created. Safe to run again."""
    now = timezone.now()
    active_number = DncEntry.objects.filter(
        type=DncEntry.Type.DO_NOT_CALL, active=True, number_index=OuterRef("number_index")
    )
    # One entry per number: equal numbers have equal blind indexes (their ciphertexts all differ).
    numbers = dict(
        Phone.objects.filter(do_not_call=True).exclude(Exists(active_number)).values_list("number_index", "number")
    ).values()
    active_cease = DncEntry.objects.filter(type=DncEntry.Type.CEASE, active=True, borrower_id=OuterRef("borrower_id"))
    ceased = ContactPreference.objects.filter(cease_communication=True).exclude(Exists(active_cease))
    rows = [
        DncEntry(type=DncEntry.Type.DO_NOT_CALL, number=number, source=DncEntry.Source.RECONCILE, requested_at=now)
        for number in numbers
    ] + [
        DncEntry(
            type=DncEntry.Type.CEASE,
            borrower_id=borrower_id,
            source=DncEntry.Source.RECONCILE,
            requested_at=requested_at or now,
        )
        for borrower_id, requested_at in ceased.values_list("borrower_id", "cease_requested_at")
    ]
    created = DncEntry.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(created)


@dataclass(frozen=True)
class FeedCursor:
    updated_at: dt.datetime
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.updated_at.isoformat(), self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> FeedCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            stamp, pk = json.loads(raw)
            at = dt.datetime.fromisoformat(stamp)
            if instant_problem(at) or not isinstance(pk, int):
                raise ValueError
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DomainError(_("The cursor is not valid."), errors={"cursor": [_("Not a cursor of this feed.")]}) from exc
        return cls(updated_at=at, id=pk)


def dnc_feed(
    *,
    updated_since: dt.datetime | None,
    cursor: FeedCursor | None,
    limit: int,
    now: dt.datetime | None = None,
) -> tuple[list[DncEntry], FeedCursor | None, bool]:
    """Entries changed after ``updated_since`` (or after the cursor), oldest change first.

    Returns the page, the cursor to resume from (after the page's last entry; the given one when the
    page is empty) and whether more entries have settled already. A client keeps the last cursor it
    got and asks again later for the changes since.
    """
    settled = (now or timezone.now()) - dt.timedelta(seconds=FEED_SETTLE_SECONDS)
    entries: QuerySet[DncEntry] = DncEntry.objects.filter(updated_at__lte=settled).select_related(
        "borrower", "integration"
    )
    if cursor is not None:
        entries = entries.filter(
            Q(updated_at__gt=cursor.updated_at) | Q(updated_at=cursor.updated_at, id__gt=cursor.id)
        )
    elif updated_since is not None:
        entries = entries.filter(updated_at__gt=updated_since)
    page = list(entries.order_by("updated_at", "id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not page:
        return page, cursor, False
    return page, FeedCursor(updated_at=page[-1].updated_at, id=page[-1].pk), more
