"""Recording what a borrower asked about being contacted (cease, dispute, hours, breathing space)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Borrower
from accounts.services.audit import audit_record
from config.errors import DomainError
from scheduling.models import ContactPreference

PREFERENCE_FIELDS = (
    "cease_communication",
    "cease_requested_at",
    "no_work_calls",
    "only_after",
    "only_before",
    "preferred_from",
    "preferred_to",
    "dispute_hold",
    "dispute_opened_at",
    "breathing_space_until",
    "direct_consent_at",
    "complaint_hold_accounts",
    "dispute_hold_accounts",
)


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value


@transaction.atomic
def preference_update(
    *,
    borrower: Borrower,
    changes: Mapping[str, Any],
    actor: User | None = None,
    reason: str = "",
) -> ContactPreference:
    """Set some of the borrower's contact preferences (creating the row if needed), audited.

    The engine honours them from the next decision on. Locks the preference row.
    """
    unknown = sorted(set(changes) - set(PREFERENCE_FIELDS))
    if unknown:
        raise DomainError(_("Unknown contact preferences: %(fields)s.") % {"fields": ", ".join(unknown)})
    ContactPreference.objects.get_or_create(borrower=borrower)
    preference = ContactPreference.objects.select_for_update().get(borrower=borrower)
    before = {name: _json_safe(getattr(preference, name)) for name in changes}
    for name, value in changes.items():
        setattr(preference, name, value)
    preference.updated_by = actor if actor is not None and actor.is_authenticated else None
    try:
        preference.full_clean(exclude=["borrower"])
    except ValidationError as exc:
        raise DomainError(
            _("These contact preferences are not valid."),
            errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()},
        ) from exc
    preference.save()
    audit_record(
        action="contact_preference.update",
        obj=preference,
        actor=actor,
        before=before,
        after={name: _json_safe(getattr(preference, name)) for name in changes},
        reason=reason,
    )
    return preference
