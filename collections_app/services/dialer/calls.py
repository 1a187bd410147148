"""The dialer's report of a dialed call: create or update it, idempotent by the dialer's call id.

Locks the authorization and its attempt together (``select_for_update`` over the join) before a call
is recorded, so a retried or concurrent report is answered as the first one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.models import ContactAttempt, DialAuthorization, Integration
from collections_app.services.calls import call_not_dialed
from collections_app.services.dialer.authorizations import authorization_locked, authorization_not_found
from collections_app.services.dialer.names import external_id_for
from config.errors import DomainError, ErrorCode

# A dialer's clock may run a little ahead of ours: a call may start this long before its authorization.
CLOCK_SKEW = dt.timedelta(seconds=60)
NOT_DIALED = "not_dialed"


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
            code=ErrorCode.CALL_ID_IN_USE,
            errors={"authorization_id": [_("Not the authorization this call was reported with.")]},
        )
    authorization = linked or found
    if authorization is None:
        raise authorization_not_found()
    if authorization.external_call_id not in (None, external_call_id):
        raise DomainError(
            _("This authorization was used by another call."),
            code=ErrorCode.AUTHORIZATION_USED,
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
            _("This authorization was released as not dialed."), code=ErrorCode.AUTHORIZATION_RELEASED
        )
    if started_at > authorization.expires_at:
        raise DomainError(
            _("The authorization expired at %(at)s, before the call started: the call was not authorized.")
            % {"at": authorization.expires_at.isoformat()},
            code=ErrorCode.AUTHORIZATION_EXPIRED,
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
            _("The call's result is recorded: its times can no longer change."), code=ErrorCode.CALL_COMPLETED
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
        found = authorization_locked(integration=integration, authorization_id=authorization_id)
    authorization = call_report_target(
        linked=linked, found=found, external_call_id=external_call_id, authorization_id=authorization_id
    )
    attempt = authorization.attempt

    if outcome == NOT_DIALED:
        if authorization.call_started_at is not None:
            raise DomainError(
                _("This call was reported as started: it was dialed."), code=ErrorCode.AUTHORIZATION_USED
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
