"""The pre-dial check: ask the engine, reserve an attempt, and release it when not dialed.

An authorization and its attempt are locked together (``select_for_update`` over the join) before
anything is recorded with them; the per-debt lock of the engine (``attempt_reserve``) guards the caps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt, DialAuthorization, Integration
from collections_app.services.attempts import attempt_reserve
from collections_app.services.calls import call_not_dialed
from config.errors import DomainError
from scheduling.engine import Decision


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


def authorization_locked(*, integration: Integration, authorization_id: Any) -> DialAuthorization:
    """The integration's authorization with its attempt, locked; 404 when there is none."""
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
    authorization = authorization_locked(integration=integration, authorization_id=authorization_id)
    if authorization.call_started_at is not None:
        raise DomainError(
            _("A call was reported with this authorization: it was dialed and cannot be released."),
            code="authorization_used",
            status=409,
        )
    authorization.attempt = call_not_dialed(attempt=authorization.attempt, actor=integration.user)
    return authorization
