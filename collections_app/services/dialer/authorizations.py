"""The pre-dial check: ask the engine, reserve an attempt, and release it when not dialed.

An authorization and its attempt are locked together (``select_for_update`` over the join) before
anything is recorded with them; the per-debt lock of the engine (``attempt_reserve``) guards the caps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt, DialAuthorization, Integration
from collections_app.services.attempts import attempt_reserve
from collections_app.services.calls import call_not_dialed
from collections_app.services.dialer.names import agent_user_for
from config.errors import DomainError, ErrorCode
from scheduling.engine import Decision


def dial_target(*, phone_id: int, case_id: int | None = None) -> tuple[Phone, Case | None]:
    """The phone a dialer names and the case it says the call is about, checked here and only here.

    Refused: an unknown phone or case (404), a case of another borrower's or a closed one (400).
    """
    phone = Phone.objects.select_related("borrower").filter(pk=phone_id).first()
    if phone is None:
        raise DomainError(
            _("No phone with this id."),
            code=ErrorCode.NOT_FOUND,
            errors={"phone_id": [_("No phone %(id)s.") % {"id": phone_id}]},
        )
    if not case_id:
        return phone, None
    case = Case.objects.select_related("account").filter(pk=case_id).first()
    if case is None:
        raise DomainError(
            _("No case with this id."),
            code=ErrorCode.NOT_FOUND,
            errors={"case_id": [_("No case %(id)s.") % {"id": case_id}]},
        )
    if case.account.borrower_id != phone.borrower_id:
        raise DomainError(
            _("The phone is not the case's borrower's."), errors={"case_id": [_("Not this phone's case.")]}
        )
    if case.status != Case.Status.OPEN:
        raise DomainError(_("The case is closed."), errors={"case_id": [_("This case is closed.")]})
    return phone, case


@transaction.atomic
def dial_authorize(
    *,
    integration: Integration,
    phone_id: int,
    case_id: int | None = None,
    agent: str | None = None,
    at: dt.datetime | None = None,
) -> tuple[Decision, DialAuthorization | None]:
    """Ask the engine before a dial; when allowed the attempt is reserved and counts from now.

    The phone and the case are the dialer's ids, checked once (``dial_target``); ``agent`` is the
    username of the agent it names. The authorization expires after the integration's
    ``authorization_ttl_seconds`` (a call must start by then) but keeps counting until released as
    not dialed. Locks the debt's counter rows (``attempt_reserve``). Returns the decision and the
    authorization (None when refused).
    """
    phone, case = dial_target(phone_id=phone_id, case_id=case_id)
    agent_user = agent_user_for(agent)
    decision, attempt = attempt_reserve(
        phone=phone,
        channel=ContactAttempt.Channel.CALL,
        at=at or timezone.now(),
        source=ContactAttempt.Source.DIALER,
        agent=agent_user,  # type: ignore[arg-type]
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
        code=ErrorCode.AUTHORIZATION_NOT_FOUND,
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
            code=ErrorCode.AUTHORIZATION_USED,
        )
    authorization.attempt = call_not_dialed(attempt=authorization.attempt, actor=integration.user)
    return authorization
