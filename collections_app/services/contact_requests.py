"""What a borrower asks about being contacted, recorded by an agent from the account screen.

Each request becomes contact preferences (``scheduling.services.preference_update``, audited) that
the compliance engine honours from its next decision on.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Borrower
from config.errors import DomainError
from scheduling.engine.clock import local_date, zone_or_none
from scheduling.models import ContactPreference
from scheduling.services.preferences import preference_update


class ContactRequest(models.TextChoices):
    CEASE = "cease", gettext_lazy("Stop all communication (cease)")
    DISPUTE = "dispute", gettext_lazy("Disputes the debt")
    NO_WORK_CALLS = "no_work_calls", gettext_lazy("Do not call at work")
    WORK_CALLS_OK = "work_calls_ok", gettext_lazy("Calls at work are fine again")
    HOURS = "hours", gettext_lazy("Only at these hours")
    BREATHING_SPACE = "breathing_space", gettext_lazy("Breathing space until a date")


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
    note: str = "",
) -> ContactPreference:
    """Record one request of the borrower as contact preferences; the audit entry carries ``note``.

    ``hours`` sets "only after" and / or "only before" (both empty: no restriction); ``breathing_space``
    needs a date from today on (the borrower's local date). Bad input raises ``DomainError`` and writes
    nothing. Locks the preference row (``preference_update``).
    """
    at = at or timezone.now()
    changes: dict[str, object]
    if kind == ContactRequest.CEASE:
        changes = {"cease_communication": True, "cease_requested_at": at}
    elif kind == ContactRequest.DISPUTE:
        changes = {"dispute_hold": True, "dispute_opened_at": at}
    elif kind == ContactRequest.NO_WORK_CALLS:
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
        reason=note.strip()[:255] or f"borrower request: {kind}",
    )
