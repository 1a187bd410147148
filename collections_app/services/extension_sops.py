"""Extension SOPs as configuration: a change is saved as the SOP's next version (DESIGN.md section 8).

Requests keep the version they were opened under; the negotiation itself is ``services.extensions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction

from accounts.actors import Actor
from accounts.services.audit import audit_record
from collections_app.models import ExtensionSop
from collections_app.models.extensions import ExtensionAuthority, ExtensionSopStep


def extension_sop_new_version(*, sop: ExtensionSop, actor: Actor | None = None, **changes: Any) -> ExtensionSop:
    """Save ``changes`` to an SOP as its next version, with its steps and authority rows copied."""
    with transaction.atomic():
        current = ExtensionSop.objects.select_for_update().get(pk=sop.pk)
        steps = list(current.steps.all())
        authorities = list(current.authorities.all())
        latest = ExtensionSop.objects.filter(name=current.name).order_by("-version").values_list("version", flat=True)[0]
        ExtensionSop.objects.filter(name=current.name, active=True).update(active=False)
        new = ExtensionSop.objects.get(pk=current.pk)
        new.pk = None
        new._state.adding = True
        for name, value in changes.items():
            setattr(new, name, value)
        new.version = latest + 1
        new.active = True
        new.created_by = cast(User, actor) if actor is not None and getattr(actor, "is_authenticated", False) else None
        new.save()
        for step in steps:
            step.pk, step.sop = None, new
            step._state.adding = True
        for authority in authorities:
            authority.pk, authority.sop = None, new
            authority._state.adding = True
        ExtensionSopStep.objects.bulk_create(steps)
        ExtensionAuthority.objects.bulk_create(authorities)
        audit_record(action="extension_sop.version", obj=new, actor=actor, before={"version": current.version}, after={"version": new.version})
        return new
