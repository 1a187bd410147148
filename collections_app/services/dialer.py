"""Dialer work: authorize a dial (the engine's ``reserve``), report the call, record its result.

Every write here holds the rows it changes: an authorization and its attempt are locked together
(``select_for_update`` over the join) before a call or a result is recorded, so a retried or
concurrent report is answered as the first one. The per-debt lock of the engine guards the caps.

Calls are known to the dialer by its own call id; here the attempt's ``external_id`` is that id
prefixed with the integration's id, so two dialers may use the same ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Phone
from collections_app.models import (
    Agent,
    Case,
    ContactAttempt,
    DialAuthorization,
    DispositionCode,
    DispositionMapping,
    Integration,
    PromiseToPay,
)
from collections_app.services.attempts import attempt_record_refused, attempt_reserve
from collections_app.services.calls import call_not_dialed, call_outcome_record
from collections_app.services.promises import promise_create
from config.errors import DomainError
from scheduling.engine import Decision

# A dialer's clock may run a little ahead of ours: a call may start this long before its authorization.
CLOCK_SKEW = dt.timedelta(seconds=60)
NOT_DIALED = "not_dialed"


def external_id_for(integration: Integration, call_id: str) -> str:
    """The attempt's ``external_id`` for a dialer's call id (unique across integrations)."""
    return f"{integration.pk}:{call_id}"


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def agent_user_for(username: str | None) -> AbstractBaseUser | None:
    """The user of the agent a dialer names, or a field error."""
    if not username:
        return None
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise DomainError(
            _("No agent with this username."), errors={"agent": [_("No agent %(name)s.") % {"name": username}]}
        )
    return agent.user


# --- Authorizations -------------------------------------------------------------------------------


@transaction.atomic
def dial_authorize(
    *,
    integration: Integration,
    phone: Phone,
    case: Case | None = None,
    agent: AbstractBaseUser | None = None,
    at: dt.datetime | None = None,
) -> tuple[Decision, DialAuthorization | None]:
    """Ask the engine before a dial; when allowed the attempt is reserved and counts from now.

    The authorization expires after the integration's ``authorization_ttl_seconds`` (a call must
    start by then) but keeps counting until released as not dialed. Locks the debt's counter rows
    (``attempt_reserve``). Returns the decision and the authorization (None when refused).
    """
    if case is not None:
        if case.account.borrower_id != phone.borrower_id:
            raise DomainError(
                _("The phone is not the case's borrower's."), errors={"case_id": [_("Not this phone's case.")]}
            )
        if case.status != Case.Status.OPEN:
            raise DomainError(_("The case is closed."), errors={"case_id": [_("This case is closed.")]})
    decision, attempt = attempt_reserve(
        phone=phone,
        channel=ContactAttempt.Channel.CALL,
        at=at or timezone.now(),
        source=ContactAttempt.Source.DIALER,
        agent=agent,  # type: ignore[arg-type]
        case=case,
        ttl=dt.timedelta(seconds=integration.authorization_ttl_seconds),
    )
    if attempt is None:
        return decision, None
    assert attempt.expires_at is not None
    authorization = DialAuthorization.objects.create(
        integration=integration, attempt=attempt, expires_at=attempt.expires_at
    )
    return decision, authorization


def authorization_not_found() -> DomainError:
    return DomainError(
        _("No dial authorization with this id for this integration."),
        code="authorization_not_found",
        status=404,
        errors={"authorization_id": [_("Unknown authorization.")]},
    )


def _authorization_locked(*, integration: Integration, authorization_id: Any) -> DialAuthorization:
    authorization = (
        DialAuthorization.objects.select_for_update()
        .select_related("attempt")
        .filter(pk=authorization_id, integration=integration)
        .first()
    )
    if authorization is None:
        raise authorization_not_found()
    return authorization


@transaction.atomic
def dial_authorization_release(*, integration: Integration, authorization_id: Any) -> DialAuthorization:
    """The number was not dialed: the reservation stops counting. Idempotent.

    Refused (409) once a call was reported with it: that call was dialed.
    """
    authorization = _authorization_locked(integration=integration, authorization_id=authorization_id)
    if authorization.call_started_at is not None:
        raise DomainError(
            _("A call was reported with this authorization: it was dialed and cannot be released."),
            code="authorization_used",
            status=409,
        )
    authorization.attempt = call_not_dialed(attempt=authorization.attempt, actor=integration.user)
    return authorization


# --- Calls ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallReport:
    authorization: DialAuthorization
    created: bool
    changed: bool


def _call_times_check(
    *, attempt: ContactAttempt, started_at: dt.datetime, answered_at: dt.datetime | None, ended_at: dt.datetime | None
) -> None:
    errors: dict[str, list[str]] = {}
    if started_at < attempt.placed_at - CLOCK_SKEW:
        errors["started_at"] = [_("The call cannot start before it was authorized.")]
    if answered_at is not None and answered_at < max(started_at, attempt.placed_at):
        errors["answered_at"] = [_("A call is answered after it starts and after it was authorized.")]
    if ended_at is not None and ended_at < max(answered_at or started_at, attempt.placed_at):
        errors["ended_at"] = [_("A call ends after it starts and is answered.")]
    if errors:
        raise DomainError(_("The call's times are not consistent."), errors=errors)


def call_report_target(
    *, linked: DialAuthorization | None, found: DialAuthorization | None, external_call_id: str, authorization_id: Any
) -> DialAuthorization:
    """The authorization a call report is about: the one the call id is linked to, else the one named."""
    if linked is not None and str(linked.pk) != str(authorization_id):
        raise DomainError(
            _("This call id was reported with another authorization."),
            code="call_id_in_use",
            status=409,
            errors={"authorization_id": [_("Not the authorization this call was reported with.")]},
        )
    authorization = linked or found
    if authorization is None:
        raise authorization_not_found()
    if authorization.external_call_id not in (None, external_call_id):
        raise DomainError(
            _("This authorization was used by another call."),
            code="authorization_used",
            status=409,
            errors={"authorization_id": [_("Already used by another call.")]},
        )
    return authorization


def call_report_set(
    authorization: DialAuthorization,
    *,
    integration: Integration,
    external_call_id: str,
    started_at: dt.datetime | None,
    answered_at: dt.datetime | None,
    ended_at: dt.datetime | None,
    agent_id: int | None,
    now: dt.datetime,
) -> tuple[bool, bool]:
    """The rules of reporting a dialed call, on an authorization and attempt the caller holds locked:
    set them in memory and return (created, changed), or raise ``DomainError`` and change nothing."""
    attempt = authorization.attempt
    if started_at is None:
        raise DomainError(_("When did the call start?"), errors={"started_at": [_("Required.")]})
    if attempt.status == ContactAttempt.Status.NOT_DIALED:
        raise DomainError(
            _("This authorization was released as not dialed."), code="authorization_released", status=409
        )
    if started_at > authorization.expires_at:
        raise DomainError(
            _("The authorization expired at %(at)s, before the call started: the call was not authorized.")
            % {"at": authorization.expires_at.isoformat()},
            code="authorization_expired",
            status=409,
            errors={"started_at": [_("After the authorization expired.")]},
        )
    _call_times_check(attempt=attempt, started_at=started_at, answered_at=answered_at, ended_at=ended_at)
    agent_id = agent_id if agent_id is not None else attempt.agent_id
    wanted = {"started_at": started_at, "answered_at": answered_at, "ended_at": ended_at, "agent": agent_id}
    current = {
        "started_at": authorization.call_started_at,
        "answered_at": attempt.answered_at,
        "ended_at": attempt.ended_at,
        "agent": attempt.agent_id,
    }
    changed = wanted != current
    if changed and attempt.status == ContactAttempt.Status.COMPLETED:
        raise DomainError(
            _("The call's result is recorded: its times can no longer change."), code="call_completed", status=409
        )
    created = authorization.external_call_id is None
    if created or changed:
        attempt.external_id = external_id_for(integration, external_call_id)
        attempt.answered_at, attempt.ended_at, attempt.agent_id, attempt.updated_at = (
            answered_at, ended_at, agent_id, now
        )
        authorization.external_call_id = external_call_id
        authorization.call_started_at = started_at
        authorization.call_reported_at = now
    return created, changed


CALL_REPORT_ATTEMPT_FIELDS = ["external_id", "answered_at", "ended_at", "agent_id", "updated_at"]
CALL_REPORT_AUTHORIZATION_FIELDS = ["external_call_id", "call_started_at", "call_reported_at"]


@transaction.atomic
def dialer_call_report(
    *,
    integration: Integration,
    external_call_id: str,
    authorization_id: Any,
    started_at: dt.datetime | None = None,
    answered_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    agent: AbstractBaseUser | None = None,
    outcome: str | None = None,
    now: dt.datetime | None = None,
) -> CallReport:
    """Create or update the dialer's call ``external_call_id`` made with an authorization. Idempotent.

    ``outcome="not_dialed"`` releases the authorization instead. Refusals (nothing written): an
    unknown authorization or another integration's (404), an authorization used by another call,
    released, or expired before the call started (409), times out of order (400). Locks the
    authorization and its attempt.
    """
    now = now or timezone.now()
    linked = (
        DialAuthorization.objects.select_for_update()
        .select_related("attempt")
        .filter(integration=integration, external_call_id=external_call_id)
        .first()
    )
    found = None
    if linked is None:
        found = _authorization_locked(integration=integration, authorization_id=authorization_id)
    authorization = call_report_target(
        linked=linked, found=found, external_call_id=external_call_id, authorization_id=authorization_id
    )
    attempt = authorization.attempt

    if outcome == NOT_DIALED:
        if authorization.call_started_at is not None:
            raise DomainError(
                _("This call was reported as started: it was dialed."), code="authorization_used", status=409
            )
        was = attempt.status
        authorization.attempt = call_not_dialed(attempt=attempt, actor=integration.user)
        created = authorization.external_call_id is None
        if created:
            authorization.external_call_id = external_call_id
            authorization.call_reported_at = now
            authorization.save(update_fields=["external_call_id", "call_reported_at"])
        return CallReport(authorization=authorization, created=created, changed=was != NOT_DIALED)

    created, changed = call_report_set(
        authorization,
        integration=integration,
        external_call_id=external_call_id,
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        agent_id=agent.pk if agent is not None else None,
        now=now,
    )
    if created or changed:
        attempt.save(update_fields=CALL_REPORT_ATTEMPT_FIELDS)
        authorization.save(update_fields=CALL_REPORT_AUTHORIZATION_FIELDS)
    return CallReport(authorization=authorization, created=created, changed=changed)


# --- Results --------------------------------------------------------------------------------------


class DispositionResolver:
    """The integration's codes mapped to ours, then our own codes; loaded once per request (batches)."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self._mapped: dict[str, DispositionCode] | None = None
        self._ours: dict[str, DispositionCode] | None = None

    def resolve(self, code: str) -> DispositionCode:
        if self._mapped is None:
            self._mapped = {
                m.external_code: m.disposition
                for m in DispositionMapping.objects.filter(integration=self.integration).select_related("disposition")
            }
            self._ours = {d.code: d for d in DispositionCode.objects.all()}
        found = self._mapped.get(code) or (self._ours or {}).get(code)
        if found is None:
            raise DomainError(
                _("Unknown disposition %(code)r: map it for this integration, or send one of our codes.")
                % {"code": code},
                errors={"disposition": [_("Unknown code (see GET /api/v1/dispositions/).")]},
            )
        return found


@dataclass(frozen=True)
class PromiseTerms:
    amount: Decimal
    date: dt.date


@dataclass
class CallResult:
    authorization: DialAuthorization
    duplicate: bool
    effects: list[str] = field(default_factory=list)
    promise_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "external_call_id": self.authorization.external_call_id,
            "authorization_id": str(self.authorization.pk),
            "attempt_id": self.authorization.attempt_id,
            "case_id": self.authorization.attempt.case_id,
            "disposition": self.authorization.result.get("disposition"),
            "effects": self.effects,
            "promise_id": self.promise_id,
            "duplicate": self.duplicate,
        }


def promise_record(
    *,
    case: Case,
    parts: list[PromiseTerms],
    actor: AbstractBaseUser,
    attempt: ContactAttempt | None,
    source: str,
    note: str = "",
) -> PromiseToPay:
    """A promise through the promise rules (``promise_create``): the one door to promises here."""
    return promise_create(
        case=case,
        parts=[(part.date, part.amount) for part in parts],
        actor=actor,
        source=source,
        attempt=attempt,
        note=note,
    )


def call_not_found() -> DomainError:
    return DomainError(
        _("No call with this id: report it first (PUT /api/v1/dialer/calls/{id}/)."),
        code="call_not_found",
        status=404,
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
                _("A different result was already recorded for this call."), code="result_conflict", status=409
            )
        return CallResult(
            authorization=authorization,
            duplicate=True,
            effects=list(authorization.result.get("effects", [])),
            promise_id=authorization.result.get("promise_id"),
        )
    if authorization.attempt.status == ContactAttempt.Status.NOT_DIALED:
        raise DomainError(
            _("This call was released as not dialed: it has no result."), code="authorization_released", status=409
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


# --- Calls reported after the fact (VICIdial) ----------------------------------------------------


@dataclass(frozen=True)
class AfterTheFact:
    result: CallResult
    decision: Decision


@transaction.atomic
def dialer_call_after_the_fact(
    *,
    integration: Integration,
    external_call_id: str,
    phone: Phone,
    case: Case | None,
    disposition: str,
    talk_seconds: int,
    agent: AbstractBaseUser | None = None,
    recording_ref: str = "",
    received_at: dt.datetime | None = None,
) -> AfterTheFact | None:
    """A call the dialer placed without asking first and reports once it is over (VICIdial's dispo URL).

    The attempt is checked by the engine at the instant it was placed (``received_at`` less the
    talk time) and recorded with its result; right-party contact and conversation follow the
    disposition's category and flag. Returns None when this call id is already recorded (a replay).
    """
    received_at = received_at or timezone.now()
    if DialAuthorization.objects.filter(integration=integration, external_call_id=external_call_id).exists():
        return None
    resolver = DispositionResolver(integration)
    code = resolver.resolve(disposition)
    placed_at = received_at - dt.timedelta(seconds=max(talk_seconds, 0))
    external_id = external_id_for(integration, external_call_id)
    decision, attempt = attempt_reserve(
        phone=phone,
        at=placed_at,
        source=ContactAttempt.Source.DIALER,
        agent=agent,  # type: ignore[arg-type]
        case=case,
        external_id=external_id,
        ttl=dt.timedelta(0),
    )
    if attempt is None:
        attempt = attempt_record_refused(
            phone=phone, case=case, decision=decision, agent=agent, at=placed_at, external_id=external_id  # type: ignore[arg-type]
        )
    try:
        with transaction.atomic():
            DialAuthorization.objects.create(
                integration=integration,
                attempt=attempt,
                before_dial=False,
                expires_at=placed_at,
                external_call_id=external_call_id,
                call_started_at=placed_at,
                call_reported_at=received_at,
            )
    except IntegrityError:  # the same call reported twice at once: the other one records it
        return None
    right_party = code.category == DispositionCode.Category.RIGHT_PARTY
    result = dialer_call_result(
        integration=integration,
        external_call_id=external_call_id,
        disposition=code.code,
        talk_seconds=max(talk_seconds, 0),
        right_party=right_party,
        conversation=right_party and code.conversation,
        recording_ref=recording_ref,
        resolver=resolver,
        now=received_at,
    )
    return AfterTheFact(result=result, decision=decision)
