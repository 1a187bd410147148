"""Calls a dialer placed without asking first and reports once they are over (VICIdial's dispo URL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt, DialAuthorization, DispositionCode, Integration
from collections_app.services.attempts import attempt_record_refused, attempt_reserve
from collections_app.services.dialer.dispositions import DispositionResolver
from collections_app.services.dialer.names import external_id_for
from collections_app.services.dialer.results import CallResult, dialer_call_result
from scheduling.engine import Decision


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
