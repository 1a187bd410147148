"""How a reported call ended: its disposition's side effects, and a promise if one was made.

The same result sent again is one result (``duplicate``); another result for the same call is
refused. Locks the authorization and its attempt together before a result is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.models import (
    ContactAttempt,
    DialAuthorization,
    DispositionCode,
    Integration,
    PromiseToPay,
)
from collections_app.services.calls import call_outcome_record
from collections_app.services.dialer.dispositions import DispositionResolver
from collections_app.services.dialer.promises import PromiseTerms, promise_record
from config.errors import DomainError, ErrorCode


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class CallResult:
    authorization: DialAuthorization
    duplicate: bool
    effects: list[str] = field(default_factory=list)
    promise_id: int | None = None


def call_not_found() -> DomainError:
    return DomainError(
        _("No call with this id: report it first (PUT /api/v1/dialer/calls/{id}/)."),
        code=ErrorCode.CALL_NOT_FOUND,
    )


def result_fingerprint(
    *, code: DispositionCode, talk_seconds: int, right_party: bool, conversation: bool, notes: str,
    recording_ref: str, promise: PromiseTerms | None,
) -> str:
    """What makes a result "the same result sent again"."""
    return _fingerprint(
        {
            "disposition": code.code,
            "talk_seconds": talk_seconds,
            "right_party": right_party,
            "conversation": conversation,
            "notes": notes,
            "recording_ref": recording_ref,
            "promise": [str(promise.amount), promise.date.isoformat()] if promise else None,
        }
    )


def result_duplicate(authorization: DialAuthorization, fingerprint: str) -> CallResult | None:
    """The first answer when this result was recorded already; 409 when another one was; None when none was.

    Also refuses a result for a call released as not dialed."""
    if authorization.result_hash:
        if authorization.result_hash != fingerprint:
            raise DomainError(
                _("A different result was already recorded for this call."), code=ErrorCode.RESULT_CONFLICT
            )
        return CallResult(
            authorization=authorization,
            duplicate=True,
            effects=list(authorization.result.get("effects", [])),
            promise_id=authorization.result.get("promise_id"),
        )
    if authorization.attempt.status == ContactAttempt.Status.NOT_DIALED:
        raise DomainError(
            _("This call was released as not dialed: it has no result."), code=ErrorCode.AUTHORIZATION_RELEASED
        )
    return None


RESULT_FIELDS = ["result_hash", "result_at", "result"]


@transaction.atomic
def dialer_call_result(
    *,
    integration: Integration,
    external_call_id: str,
    disposition: str,
    talk_seconds: int,
    right_party: bool,
    conversation: bool,
    notes: str = "",
    recording_ref: str = "",
    promise: PromiseTerms | None = None,
    resolver: DispositionResolver | None = None,
    now: dt.datetime | None = None,
) -> CallResult:
    """Record how a reported call ended: the disposition's side effects, and a promise if one was made.

    The same result sent again is one result (``duplicate``); another result for the same call is
    refused (409). A promise goes through the promise rules; if they refuse it, nothing is written.
    Locks the authorization and its attempt.
    """
    now = now or timezone.now()
    resolver = resolver or DispositionResolver(integration)
    authorization = (
        DialAuthorization.objects.select_for_update()
        .select_related("attempt")
        .filter(integration=integration, external_call_id=external_call_id)
        .first()
    )
    if authorization is None:
        raise call_not_found()
    code = resolver.resolve(disposition)
    fingerprint = result_fingerprint(
        code=code, talk_seconds=talk_seconds, right_party=right_party, conversation=conversation,
        notes=notes, recording_ref=recording_ref, promise=promise,
    )
    duplicate = result_duplicate(authorization, fingerprint)
    if duplicate is not None:
        return duplicate
    attempt = authorization.attempt
    outcome = call_outcome_record(
        attempt=attempt,
        disposition=code,
        right_party_contact=right_party,
        conversation=conversation,
        talk_seconds=talk_seconds,
        notes=notes,
        actor=integration.user,
        recording_ref=recording_ref,
        answered_at=attempt.answered_at,
        ended_at=attempt.ended_at,
        at=now,
        integration=integration,
    )
    promise_id = None
    if promise is not None:
        if outcome.attempt.case is None:
            raise DomainError(
                _("This call is about no open case: a promise needs one."),
                errors={"promise": [_("No open case for this call.")]},
            )
        try:
            promise_id = promise_record(
                case=outcome.attempt.case,
                parts=[promise],
                actor=integration.user,
                attempt=outcome.attempt,
                source=PromiseToPay.Source.DIALER,
            ).pk
        except DomainError as exc:
            exc.errors = {
                "promise." + name.replace("parts[0].", "").replace("parts", "date"): messages
                for name, messages in exc.errors.items()
            } or {"promise": [exc.message]}
            raise
    authorization.attempt = outcome.attempt
    authorization.result_hash = fingerprint
    authorization.result_at = now
    authorization.result = {"disposition": code.code, "effects": outcome.effects, "promise_id": promise_id}
    authorization.save(update_fields=RESULT_FIELDS)
    return CallResult(authorization=authorization, duplicate=False, effects=outcome.effects, promise_id=promise_id)
