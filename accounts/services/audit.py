from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import AuditEntry


def audit_record(
    *,
    action: str,
    obj: Any,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit entry. Callers pass JSON-safe ``before``/``after`` without personal data."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor_id=getattr(user, "pk", None),
        actor_label=actor_label or (getattr(user, "username", "") if user else ""),
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else type(obj).__name__,
        object_id=str(getattr(obj, "pk", obj)),
        before=before,
        after=after,
        reason=reason,
    )
