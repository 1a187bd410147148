"""Calls: placing one through the compliance engine and recording how it went.

For agents and dialers alike. ``call_place`` is the agent's "Call" button (a reservation plus the
recorded reveal of the number to dial); a dialer reserves through ``attempts.attempt_reserve``
itself. Both report the outcome with ``call_outcome_record``, which completes the attempt and
applies the side effects its disposition's flags call for, in one transaction, each one audited
(a do-not-call or cease outcome enters the register once, naming the dialer that heard it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.calendar import business_today
from accounts.models import Borrower, Phone
from accounts.services.audit import audit_record
from accounts.services.pii import pii_reveal_record
from collections_app.models import Case, ContactAttempt, DispositionCode, Dispute, DncEntry, Integration
from collections_app.selectors.contacts import open_calls
from collections_app.services.attempts import (
    AttemptOutcome,
    attempt_outcome_set,
    attempt_release,
    attempt_reserve,
)
from collections_app.services.disputes import dispute_open
from collections_app.services.dnc import dnc_cease_record, dnc_number_record
from collections_app.services.priorities import cases_reprioritize
from config.errors import DomainError, ErrorCode
from scheduling.engine import Decision
from scheduling.models import ContactPreference
from scheduling.services.preferences import preference_update

MAX_TALK_SECONDS = 6 * 60 * 60
MAX_NOTES = 4000
MAX_RECORDING_REF = 255


class Effect:
    """Machine names of what an outcome changed beyond the attempt (stable: screens and APIs show them)."""

    NUMBER_UNCALLABLE = "number_uncallable"
    DO_NOT_CALL = "do_not_call"
    DISPUTE = "dispute"
    CEASE = "cease"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"
    ATTORNEY = "attorney"
    CALLBACK_REQUESTED = "callback_requested"
    PROMISE_REQUESTED = "promise_requested"


@dataclass(frozen=True)
class CallPlaced:
    """The answer to "Call": the engine's decision, and when allowed the reservation and the number."""

    decision: Decision
    attempt: ContactAttempt | None
    number: str = ""


@dataclass(frozen=True)
class CallOutcome:
    """A reported call and what its disposition set in motion.

    ``effects`` lists what changed (``Effect`` names) in the order applied. ``promise_requested``
    and ``callback_requested`` are the follow-ups the caller must offer: the promise form and the
    callback scheduling (recorded here only as the request, audited as ``call.callback_requested``).
    """

    attempt: ContactAttempt
    effects: list[str] = field(default_factory=list)

    @property
    def promise_requested(self) -> bool:
        return Effect.PROMISE_REQUESTED in self.effects

    @property
    def callback_requested(self) -> bool:
        return Effect.CALLBACK_REQUESTED in self.effects


@transaction.atomic
def call_place(
    *, case: Case, phone: Phone, actor: User, at: dt.datetime | None = None
) -> CallPlaced:
    """An agent's call to ``phone`` about ``case``'s debt: the engine decides, nothing is written when it
    refuses; when it allows, the attempt is reserved and the number revealed (a recorded reveal, reason "call").

    The caller has checked that ``actor`` may work ``case``. Locks the case row (one open call per
    agent and case: a double click does not place two) and, through ``reserve``, the debt's
    counter rows.
    """
    at = at or timezone.now()
    if phone.borrower_id != case.account.borrower_id:
        raise DomainError(
            _("This number is not the borrower's."), errors={"phone": [_("Not this borrower's.")]}
        )
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    if open_calls(case=case, user=actor, at=at).exists():
        raise DomainError(
            _("Finish the open call first: log its outcome or mark it not dialed."),
            code=ErrorCode.CALL_OPEN,
        )
    decision, attempt = attempt_reserve(
        phone=phone,
        channel=ContactAttempt.Channel.CALL,
        at=at,
        source=ContactAttempt.Source.AGENT,
        agent=actor,
        case=case,
    )
    if attempt is None:
        return CallPlaced(decision=decision, attempt=None)
    pii_reveal_record(user=actor, borrower=case.account.borrower, field=f"phone:{phone.pk}", reason="call")
    return CallPlaced(decision=decision, attempt=attempt, number=phone.number)


@transaction.atomic
def call_not_dialed(*, attempt: ContactAttempt, actor: User | None = None) -> ContactAttempt:
    """The number was not dialed after all: the reservation is released and stops counting."""
    released = attempt_release(attempt)
    audit_record(action="call.not_dialed", obj=released, actor=actor, after={"status": released.status})
    return released


def outcome_errors(
    *,
    disposition: DispositionCode | None,
    right_party_contact: bool,
    conversation: bool,
    talk_seconds: int,
    notes: str,
    recording_ref: str = "",
) -> dict[str, list[str]]:
    """What is wrong with a reported outcome, by field (empty: nothing). Reads nothing."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if talk_seconds < 0:
        add("talk_seconds", _("Talk time cannot be negative."))
    elif talk_seconds > MAX_TALK_SECONDS:
        add("talk_seconds", _("Talk time cannot exceed 6 hours."))
    if len(notes) > MAX_NOTES:
        add("notes", _("Notes are limited to %(count)s characters.") % {"count": MAX_NOTES})
    if len(recording_ref) > MAX_RECORDING_REF:
        add("recording_ref", _("The recording reference is too long."))
    if disposition is None:
        add("disposition", _("Choose how the call ended."))
        return errors
    if not disposition.is_active:
        add("disposition", _("This disposition is no longer in use."))
    label = disposition.label
    right_party = disposition.category == DispositionCode.Category.RIGHT_PARTY
    if right_party and not right_party_contact:
        add(
            "right_party_contact",
            _("“%(label)s” means you reached the borrower: tick right-party contact.") % {"label": label},
        )
    if not right_party and right_party_contact:
        add(
            "right_party_contact",
            _("“%(label)s” is not a contact with the borrower: untick right-party contact.")
            % {"label": label},
        )
    if disposition.conversation and not conversation:
        add(
            "conversation",
            _("“%(label)s” means a conversation took place: tick conversation.") % {"label": label},
        )
    if conversation and not right_party:
        add(
            "conversation",
            _("A conversation is with the borrower about the debt; “%(label)s” is not.") % {"label": label},
        )
    return errors


def _phone_flag(*, phone: Phone, name: str, attempt: ContactAttempt, actor: User | None) -> bool:
    changed = Phone.objects.filter(pk=phone.pk, **{name: False}).update(
        **{name: True, "updated_at": timezone.now()}
    )
    if changed:
        audit_record(
            action=f"phone.{name}",
            obj=phone,
            actor=actor,
            before={name: False},
            after={name: True, "attempt": attempt.pk},
            reason=f"call outcome {attempt.disposition}",
        )
    return bool(changed)


def _borrower_flags(
    *, borrower: Borrower, names: list[str], attempt: ContactAttempt, actor: User | None
) -> list[str]:
    current = Borrower.objects.select_for_update().values(*names).get(pk=borrower.pk)
    changed = [name for name in names if not current[name]]
    if changed:
        Borrower.objects.filter(pk=borrower.pk).update(
            **dict.fromkeys(changed, True), updated_at=timezone.now()
        )
        audit_record(
            action="borrower.flags",
            obj=borrower,
            actor=actor,
            before=dict.fromkeys(changed, False),
            after={**dict.fromkeys(changed, True), "attempt": attempt.pk},
            reason=f"call outcome {attempt.disposition}",
        )
    return changed


def _effects_apply(
    *,
    attempt: ContactAttempt,
    disposition: DispositionCode,
    actor: User | None,
    at: dt.datetime,
    integration: Integration | None,
) -> list[str]:
    effects: list[str] = []
    if not disposition_has_effects(disposition):
        return effects
    borrower = attempt.account.borrower
    if attempt.phone is not None:
        if disposition.number_uncallable and _phone_flag(
            phone=attempt.phone, name="uncallable", attempt=attempt, actor=actor
        ):
            effects.append(Effect.NUMBER_UNCALLABLE)
        if disposition.do_not_call and _phone_flag(
            phone=attempt.phone, name="do_not_call", attempt=attempt, actor=actor
        ):
            effects.append(Effect.DO_NOT_CALL)

    preference = ContactPreference.objects.filter(borrower=borrower).first()
    changes: dict[str, object] = {}
    if disposition.dispute:
        held = bool(preference and attempt.account_id in (preference.dispute_hold_accounts or ()))
        dispute_open(
            account=attempt.account, case=attempt.case, via=Dispute.Via.DISPOSITION, attempt=attempt, actor=actor, at=at
        )
        if not held:
            effects.append(Effect.DISPUTE)
    if disposition.cease and not (preference and preference.cease_communication):
        changes |= {"cease_communication": True, "cease_requested_at": at}
        effects.append(Effect.CEASE)
    if changes:
        preference_update(
            borrower=borrower,
            changes=changes,
            actor=actor,
            reason=f"call outcome {disposition.code} (attempt {attempt.pk})",
        )
    _dnc_register(attempt=attempt, effects=effects, actor=actor, at=at, integration=integration)

    flags = [
        name
        for name, wanted in (
            ("deceased", disposition.deceased),
            ("bankruptcy", disposition.bankruptcy),
            ("attorney_represented", disposition.attorney),
        )
        if wanted
    ]
    if flags:
        changed = _borrower_flags(borrower=borrower, names=flags, attempt=attempt, actor=actor)
        effects += [Effect.ATTORNEY if name == "attorney_represented" else name for name in changed]

    if disposition.callback:
        # The request is recorded here; scheduling the callback is the promise and callback feature's.
        audit_record(
            action="call.callback_requested",
            obj=attempt,
            actor=actor,
            after={"case": attempt.case_id, "disposition": disposition.code},
        )
        effects.append(Effect.CALLBACK_REQUESTED)
    if disposition.creates_promise:
        effects.append(Effect.PROMISE_REQUESTED)
    return effects


EFFECT_FLAGS = (
    "number_uncallable", "do_not_call", "dispute", "cease", "deceased", "bankruptcy", "attorney", "callback",
    "creates_promise",
)


def disposition_has_effects(disposition: DispositionCode) -> bool:
    """Whether an outcome with this disposition changes anything beyond its attempt."""
    return any(getattr(disposition, flag) for flag in EFFECT_FLAGS)


def call_outcome_set(
    locked: ContactAttempt,
    *,
    disposition: DispositionCode | None,
    right_party_contact: bool,
    conversation: bool,
    talk_seconds: int,
    notes: str,
    recording_ref: str = "",
    answered_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    at: dt.datetime,
) -> ContactAttempt:
    """The rules of an outcome on an attempt the caller holds locked: its fields set in memory, unsaved,
    or ``DomainError`` by field and nothing changed. Side effects are ``call_outcome_record``'s."""
    errors = outcome_errors(
        disposition=disposition,
        right_party_contact=right_party_contact,
        conversation=conversation,
        talk_seconds=talk_seconds,
        notes=notes,
        recording_ref=recording_ref,
    )
    if errors:
        raise DomainError(_("The call outcome is not consistent."), errors=errors)
    assert disposition is not None
    if ended_at is None:
        ended_at = max(at, locked.placed_at)
    answered = disposition.category != DispositionCode.Category.NO_CONTACT
    if answered and answered_at is None:
        answered_at = max(locked.placed_at, ended_at - dt.timedelta(seconds=talk_seconds))
    return attempt_outcome_set(
        locked,
        AttemptOutcome(
            answered_at=answered_at,
            ended_at=ended_at,
            talk_seconds=talk_seconds,
            conversation=conversation,
            right_party_contact=right_party_contact,
            disposition=disposition,
            notes=notes,
            recording_ref=recording_ref,
        ),
    )


@transaction.atomic
def call_outcome_record(
    *,
    attempt: ContactAttempt,
    disposition: DispositionCode | None,
    right_party_contact: bool,
    conversation: bool,
    talk_seconds: int,
    notes: str,
    actor: User | None,
    recording_ref: str = "",
    answered_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
    integration: Integration | None = None,
) -> CallOutcome:
    """Complete a reserved (or expired) attempt with its outcome and apply the disposition's side effects.

    Side effects, each audited: the number uncallable or do-not-call, a dispute hold or a cease
    request (contact preferences), the borrower deceased, bankrupt or represented by an attorney,
    a callback requested. A right-party disposition needs ``right_party_contact``; a conversation
    is only with the borrower, and a disposition that means one needs it. Anything inconsistent
    raises ``DomainError`` (by field) and writes nothing.

    Without ``answered_at`` / ``ended_at`` (an agent's manual log), the call ends at ``at`` (now)
    and, when someone answered (any disposition but a no-contact one), was answered ``talk_seconds``
    before. ``integration``: the dialer that reported the call (the register's entries name it).
    Locks the attempt row.
    """
    at = at or timezone.now()
    locked = ContactAttempt.objects.select_for_update().get(pk=attempt.pk)
    call_outcome_set(
        locked,
        disposition=disposition,
        right_party_contact=right_party_contact,
        conversation=conversation,
        talk_seconds=talk_seconds,
        notes=notes,
        recording_ref=recording_ref,
        answered_at=answered_at,
        ended_at=ended_at,
        at=at,
    )
    locked.save()
    assert disposition is not None
    completed = ContactAttempt.objects.select_related("account__borrower", "disposition", "phone").get(
        pk=locked.pk
    )
    effects = _effects_apply(
        attempt=completed, disposition=disposition, actor=actor, at=at, integration=integration
    )
    if completed.case_id is not None:
        # A completed call ends a broken promise's top tier at once, not at the next recompute.
        cases_reprioritize(today=business_today(), case_ids=[completed.case_id])
    return CallOutcome(attempt=completed, effects=effects)


def _dnc_register(
    *,
    attempt: ContactAttempt,
    effects: list[str],
    actor: User | None,
    at: dt.datetime,
    integration: Integration | None,
) -> None:
    """Do-not-call and cease outcomes go on the register too, so the dialers' feed has them: one entry,
    naming the integration whose call it was (none for an agent's)."""
    reason = f"call outcome (attempt {attempt.pk}{', ' + integration.name if integration else ''})"
    if Effect.DO_NOT_CALL in effects and attempt.phone is not None:
        dnc_number_record(
            number=attempt.phone.number, reason=reason, source=DncEntry.Source.DISPOSITION,
            integration=integration, actor=actor, requested_at=at,
        )  # fmt: skip
    if Effect.CEASE in effects:
        dnc_cease_record(
            borrower=attempt.account.borrower, reason=reason, source=DncEntry.Source.DISPOSITION,
            integration=integration, actor=actor, requested_at=at,
        )  # fmt: skip
