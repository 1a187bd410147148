"""What a borrower asks about being contacted, recorded by an agent from the account screen.

Each request becomes contact preferences (``scheduling.services.preference_update``, audited) or an
entry of the do-not-call register (``services.dnc``) that the compliance engine honours from its
next decision on. The grave ones (cease, dispute, do not call a number) stop collection: they need
a note saying how the borrower asked, and a team lead or supervisor can reverse one entered by
mistake (``contact_block_reverse``), with a reason, audited.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Borrower, LoanAccount, Phone
from accounts.services.audit import audit_record
from collections_app.models import Case, Dispute, DncEntry
from collections_app.services.disputes import dispute_open, disputes_withdraw
from collections_app.services.dnc import dnc_cease_record, dnc_number_record
from config.errors import DomainError
from config.pii import phone_index
from scheduling.engine.clock import local_date, zone_or_none
from scheduling.models import ContactPreference
from scheduling.services.preferences import preference_update


class ContactRequest(models.TextChoices):
    CEASE = "cease", gettext_lazy("Stop all communication (cease)")
    DISPUTE = "dispute", gettext_lazy("Disputes the debt")
    DO_NOT_CALL = "do_not_call", gettext_lazy("Never call one of the numbers again")
    NO_WORK_CALLS = "no_work_calls", gettext_lazy("Do not call at work")
    WORK_CALLS_OK = "work_calls_ok", gettext_lazy("Calls at work are fine again")
    HOURS = "hours", gettext_lazy("Only at these hours")
    BREATHING_SPACE = "breathing_space", gettext_lazy("Breathing space until a date")


# Requests that stop collection: recorded with a note and a confirmation; a lead can reverse one.
GRAVE_REQUESTS = frozenset({ContactRequest.CEASE, ContactRequest.DISPUTE, ContactRequest.DO_NOT_CALL})


@transaction.atomic
def borrower_request_record(
    *,
    borrower: Borrower,
    kind: str,
    actor: User | None,
    at: dt.datetime | None = None,
    only_after: dt.time | None = None,
    only_before: dt.time | None = None,
    breathing_space_until: dt.date | None = None,
    phone: Phone | None = None,
    note: str = "",
) -> ContactPreference | DncEntry:
    """Record one request of the borrower as contact preferences or a do-not-call entry; the audit
    entry carries ``note``, which the grave requests (``GRAVE_REQUESTS``) must have.

    ``cease`` goes on the do-not-call register as well (the dialers' feed); ``do_not_call`` needs
    ``phone``, one of the borrower's numbers. ``hours`` sets "only after" and / or "only before" (both empty: no restriction); ``breathing_space``
    needs a date from today on (the borrower's local date). Bad input raises ``DomainError`` and writes
    nothing. Locks the preference row (``preference_update``).
    """
    at = at or timezone.now()
    note = note.strip()[:255]
    if kind in GRAVE_REQUESTS and not note:
        raise DomainError(
            _("Say how and when the borrower asked: this stops collection."),
            errors={"note": [_("A note is needed for this request.")]},
        )
    changes: dict[str, object]
    if kind == ContactRequest.CEASE:
        return dnc_cease_record(
            borrower=borrower, reason=note, source=DncEntry.Source.AGENT, actor=actor, requested_at=at
        )[0]
    if kind == ContactRequest.DO_NOT_CALL:
        if phone is None or phone.borrower_id != borrower.pk:
            raise DomainError(_("Which number?"), errors={"phone": [_("Choose one of the borrower's numbers.")]})
        return dnc_number_record(
            number=phone.number, reason=note, source=DncEntry.Source.AGENT, actor=actor, requested_at=at
        )[0]
    if kind == ContactRequest.DISPUTE:
        # A dispute per debt in collection (else on the most overdue debt); they hold collection
        # through the preference (``disputes``).
        accounts = list(LoanAccount.objects.filter(borrower=borrower, cases__status=Case.Status.OPEN).distinct())
        accounts = accounts or list(LoanAccount.objects.filter(borrower=borrower).order_by("-dpd", "pk")[:1])
        if not accounts:
            raise DomainError(_("The borrower has no debt to dispute."), errors={"kind": [_("No loan account.")]})
        for account in accounts:
            dispute_open(account=account, via=Dispute.Via.AGENT, actor=actor, reason=note, at=at)
        return ContactPreference.objects.get(borrower=borrower)
    if kind == ContactRequest.NO_WORK_CALLS:
        changes = {"no_work_calls": True}
    elif kind == ContactRequest.WORK_CALLS_OK:
        changes = {"no_work_calls": False}
    elif kind == ContactRequest.HOURS:
        if only_after is not None and only_before is not None and only_after >= only_before:
            raise DomainError(
                _("The borrower's hours are not valid."),
                errors={"only_before": [_("“Only before” must be later than “only after”.")]},
            )
        changes = {"only_after": only_after, "only_before": only_before}
    elif kind == ContactRequest.BREATHING_SPACE:
        zone = zone_or_none(borrower.timezone)
        today = local_date(zone, at) if zone is not None else at.date()
        if breathing_space_until is None:
            raise DomainError(
                _("Until when?"),
                errors={"breathing_space_until": [_("Give the last day of the breathing space.")]},
            )
        if breathing_space_until < today:
            raise DomainError(
                _("The breathing space would already be over."),
                errors={"breathing_space_until": [_("Give a date from today on.")]},
            )
        changes = {"breathing_space_until": breathing_space_until}
    else:
        raise DomainError(_("Unknown request."), errors={"kind": [_("Choose what the borrower asked.")]})
    return preference_update(
        borrower=borrower,
        changes=changes,
        actor=actor,
        reason=note or f"borrower request: {kind}",
    )


@transaction.atomic
def contact_block_reverse(
    *, borrower: Borrower, kind: str, actor: User, reason: str, phone: Phone | None = None
) -> None:
    """Undo a cease, a dispute hold or a do-not-call number entered by mistake; the caller checks
    that ``actor`` is the case's team lead or a supervisor. ``reason`` is required and audited
    (``contact_block.reverse``, before and after). The register's entry goes out of force, so the
    dialers' feed carries the change. Locks the preference row or the entry. Refuses what is not in
    force."""
    reason = reason.strip()[:255]
    if not reason:
        raise DomainError(
            _("Say why the entry was a mistake."), errors={"reason": [_("A reason is needed to reverse it.")]}
        )
    now = timezone.now()
    preference = ContactPreference.objects.select_for_update().filter(borrower=borrower).first()
    if kind == ContactRequest.CEASE and preference is not None and preference.cease_communication:
        changes: dict[str, object] = {"cease_communication": False, "cease_requested_at": None}
        DncEntry.objects.filter(type=DncEntry.Type.CEASE, borrower=borrower, active=True).update(
            active=False, updated_at=now
        )
    elif kind == ContactRequest.DISPUTE and preference is not None and preference.dispute_hold:
        disputes_withdraw(borrower=borrower, actor=actor, reason=reason)
        changes = {"dispute_hold": False, "dispute_opened_at": None, "dispute_hold_accounts": []}
    elif kind == ContactRequest.DO_NOT_CALL and phone is not None and phone.borrower_id == borrower.pk and phone.do_not_call:
        index = phone_index(phone.number)  # numbers are encrypted: found by their blind index
        Phone.objects.filter(number_index=index, do_not_call=True).update(do_not_call=False, updated_at=now)
        DncEntry.objects.filter(type=DncEntry.Type.DO_NOT_CALL, number_index=index, active=True).update(
            active=False, updated_at=now
        )
        audit_record(
            action="contact_block.reverse", obj=phone, actor=actor, reason=reason,
            before={"kind": kind, "do_not_call": True}, after={"kind": kind, "do_not_call": False},
        )  # fmt: skip
        return
    else:
        raise DomainError(_("There is no such entry in force."), errors={"kind": [_("Nothing to reverse.")]})
    assert preference is not None
    preference_update(borrower=borrower, changes=changes, actor=actor, reason=reason)
    audit_record(
        action="contact_block.reverse", obj=preference, actor=actor, reason=reason,
        before={"kind": kind, "in_force": True}, after={"kind": kind, "in_force": False},
    )  # fmt: skip
