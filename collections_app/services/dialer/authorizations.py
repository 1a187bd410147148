"""The pre-dial check: ask the engine, reserve an attempt, and release it when not dialed.

An authorization and its attempt are locked together (``select_for_update`` over the join) before
anything is recorded with them; the per-debt lock of the engine (``attempt_reserve``) guards the caps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Borrower, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt, DialAuthorization, Integration
from collections_app.services.attempts import (
    BORROWER_ACCOUNT_COLUMNS,
    BorrowerAccount,
    attempt_reserve,
    borrower_account_from_row,
)
from collections_app.services.calls import call_not_dialed
from collections_app.services.dialer.names import agent_user_for
from config import roundtrips
from config.errors import DomainError, ErrorCode
from scheduling.engine import Decision


@dataclass(frozen=True)
class DialRead:
    """What the first read of a dial authorization found (``dial_read``): the integration of the token
    with its user, the phone it names with its borrower, the case with its account and every account
    of the borrower (``BorrowerAccount``). ``phone_id`` and ``case_id`` are the ids it looked for."""

    integration: Integration | None
    phone_id: int | None
    case_id: int | None
    phone: Phone | None
    case: Case | None
    accounts: list[BorrowerAccount]


_USER = Integration._meta.get_field("user").related_model
_READ_SQL = f"""
    SELECT {roundtrips.columns(Integration, "i")}, {roundtrips.columns(_USER, "u")},
           {roundtrips.columns(Phone, "p")}, {roundtrips.columns(Borrower, "b")}, {roundtrips.columns(Case, "k")},
           {BORROWER_ACCOUNT_COLUMNS}
    FROM {Integration._meta.db_table} i
    JOIN {_USER._meta.db_table} u ON u.id = i.user_id
    LEFT JOIN {Phone._meta.db_table} p ON p.id = %s
    LEFT JOIN {Borrower._meta.db_table} b ON b.id = p.borrower_id
    LEFT JOIN {Case._meta.db_table} k ON k.id = %s
    LEFT JOIN {LoanAccount._meta.db_table} l ON l.borrower_id = b.id
    WHERE i.token_prefix = %s
    ORDER BY l.id"""


def dial_read(*, token_prefix: str, phone_id: int | None, case_id: int | None) -> DialRead:
    """One query (prepared, on PostgreSQL): the integration whose token has this prefix (the caller
    checks the token against it), the phone and the case a dial authorization names, and the
    borrower's accounts. Ids outside PostgreSQL's bigint are looked for as none."""
    phone_id = phone_id if isinstance(phone_id, int) and 0 < phone_id < 2**63 else None
    case_id = case_id if isinstance(case_id, int) and 0 < case_id < 2**63 else None
    with roundtrips.prepared_cursor() as cursor:
        cursor.execute(_READ_SQL, [phone_id, case_id, token_prefix])
        rows = cursor.fetchall()
    if not rows:
        return DialRead(None, phone_id, case_id, None, None, [])
    widths = [roundtrips.width(m) for m in (Integration, _USER, Phone, Borrower, Case)]
    starts = [sum(widths[:n]) for n in range(len(widths) + 1)]
    first = rows[0]
    integration = roundtrips.instance(Integration, first, starts[0])
    assert integration is not None
    integration.user = roundtrips.instance(_USER, first, starts[1])  # type: ignore[assignment]
    phone = roundtrips.instance(Phone, first, starts[2])
    accounts = [a for row in rows if (a := borrower_account_from_row(row, starts[5])) is not None]
    if phone is not None:
        phone.borrower = roundtrips.instance(Borrower, first, starts[3])  # type: ignore[assignment]
        for a in accounts:
            a.account.borrower = phone.borrower
    case = roundtrips.instance(Case, first, starts[4])
    if case is not None:
        mine = next((a.account for a in accounts if a.account.pk == case.account_id), None)
        if mine is not None:
            case.account = mine
    return DialRead(integration, phone_id, case_id, phone, case, accounts)


def dial_target(
    *, phone_id: int, case_id: int | None = None, read: DialRead | None = None
) -> tuple[Phone, Case | None]:
    """The phone a dialer names and the case it says the call is about, checked here and only here.

    Refused: an unknown phone or case (404), a case of another borrower's or a closed one (400).
    ``read``: what ``dial_read`` found for these ids (no query then).
    """
    if read is not None and read.phone_id == phone_id:
        phone = read.phone
    else:
        phone = Phone.objects.select_related("borrower").filter(pk=phone_id).first()
    if phone is None:
        raise DomainError(
            _("No phone with this id."),
            code=ErrorCode.NOT_FOUND,
            errors={"phone_id": [_("No phone %(id)s.") % {"id": phone_id}]},
        )
    if not case_id:
        return phone, None
    if read is not None and read.phone_id == phone_id and read.case_id == case_id:
        case = read.case
        theirs = case is not None and not Case.account.is_cached(case)  # type: ignore[attr-defined]
        if case is not None and theirs:
            raise DomainError(
                _("The phone is not the case's borrower's."), errors={"case_id": [_("Not this phone's case.")]}
            )
    else:
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


def dial_authorize(
    *,
    integration: Integration,
    phone_id: int,
    case_id: int | None = None,
    agent: str | None = None,
    at: dt.datetime | None = None,
    read: DialRead | None = None,
) -> tuple[Decision, DialAuthorization | None]:
    """Ask the engine before a dial; when allowed the attempt is reserved and counts from now.

    The phone and the case are the dialer's ids, checked once (``dial_target``); ``agent`` is the
    username of the agent it names. The authorization expires after the integration's
    ``authorization_ttl_seconds`` (a call must start by then) but keeps counting until released as
    not dialed. Locks the debt's counter rows (``attempt_reserve``: one transaction, in which the
    authorization is written with its attempt). Returns the decision and the authorization (None
    when refused). ``read``: what ``dial_read`` found for the request (the ids are checked again).
    """
    phone, case = dial_target(phone_id=phone_id, case_id=case_id, read=read)
    agent_user = agent_user_for(agent)
    made: list[DialAuthorization] = []

    def authorization(attempt: ContactAttempt) -> DialAuthorization:
        assert attempt.expires_at is not None
        made.append(DialAuthorization(integration=integration, attempt=attempt, expires_at=attempt.expires_at))
        return made[0]

    same_phone = read is not None and read.phone_id == phone_id and read.phone is not None
    decision, attempt = attempt_reserve(
        phone=phone,
        channel=ContactAttempt.Channel.CALL,
        at=at or timezone.now(),
        source=ContactAttempt.Source.DIALER,
        agent=agent_user,  # type: ignore[arg-type]
        case=case,
        ttl=dt.timedelta(seconds=integration.authorization_ttl_seconds),
        accounts=read.accounts if same_phone and read is not None else None,
        companion=authorization,
    )
    if attempt is None:
        return decision, None
    return decision, made[0]


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
