"""Changing a contact policy: every change is a new version; the old one stays for its attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from config.errors import DomainError
from scheduling.engine.policies import policies_changed
from scheduling.models import ChannelRule, ContactPolicy

POLICY_FIELDS = ("is_active", "description", "source", "holiday_country", "holiday_subdivision")
RULE_FIELDS = (
    "windows",
    "all_zones_in_window",
    "holiday_action",
    "holiday_daily_cap",
    "weekly_debt_cap",
    "daily_debt_cap",
    "daily_borrower_connected_cap",
    "daily_number_unanswered_cap",
    "cool_down_days",
    "prior_consent_excluded",
    "prior_consent_days",
    "promise_hold",
)


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in values.items()}


def _errors_of(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    return {f"{prefix}{field}": [str(m) for m in messages] for field, messages in exc.message_dict.items()}


@transaction.atomic
def policy_revise(
    *,
    policy: ContactPolicy,
    actor: User | None = None,
    effective_from: dt.datetime | None = None,
    changes: Mapping[str, Any] | None = None,
    rule_changes: Mapping[str, Mapping[str, Any] | None] | None = None,
    reason: str = "",
) -> ContactPolicy:
    """Make the next version of ``policy``'s name from ``policy`` with the changes applied.

    ``changes`` sets policy fields; ``rule_changes`` maps a channel to the fields to change (a
    channel without a rule gets a new one) or to None (the channel's rule is dropped). The new
    version is in force from ``effective_from`` (default: now); until then the previous version
    keeps deciding. Locks every version of the name, so concurrent revisions get distinct
    numbers. Bad values raise ``DomainError`` and write nothing.
    """
    changes = dict(changes or {})
    rule_changes = dict(rule_changes or {})
    unknown = sorted(set(changes) - set(POLICY_FIELDS)) + sorted(
        f"{channel}.{name}"
        for channel, values in rule_changes.items()
        for name in (values or {})
        if name not in RULE_FIELDS
    )
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)})
    versions = ContactPolicy.objects.select_for_update().filter(name=policy.name)
    latest = versions.aggregate(latest=Max("version"))["latest"] or 0
    base = ContactPolicy.objects.get(pk=policy.pk)
    base_rules = {rule.channel: rule for rule in base.rules.all()}

    new = ContactPolicy(
        name=base.name,
        version=latest + 1,
        effective_from=effective_from or timezone.now(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **{name: changes.get(name, getattr(base, name)) for name in POLICY_FIELDS},
    )
    try:
        new.full_clean()
    except ValidationError as exc:
        raise DomainError(_("The policy is not valid."), errors=_errors_of(exc)) from exc
    new.save()

    rules: list[ChannelRule] = []
    for channel in sorted(set(base_rules) | set(rule_changes)):
        if channel in rule_changes and rule_changes[channel] is None:
            continue
        values = (
            {name: getattr(base_rules[channel], name) for name in RULE_FIELDS}
            if channel in base_rules
            else {}
        )
        values.update(rule_changes.get(channel) or {})
        rule = ChannelRule(policy=new, channel=channel, **values)
        try:
            rule.full_clean()
        except ValidationError as exc:
            raise DomainError(
                _("A channel rule is not valid."), errors=_errors_of(exc, f"{channel}.")
            ) from exc
        rules.append(rule)
    ChannelRule.objects.bulk_create(rules)
    policies_changed()
    audit_record(
        action="policy.revise",
        obj=new,
        actor=actor,
        before={"version": base.version},
        after={
            "version": new.version,
            "effective_from": new.effective_from.isoformat(),
            "changes": _json_safe(changes),
            "rule_changes": {k: (_json_safe(v) if v is not None else None) for k, v in rule_changes.items()},
        },
        reason=reason,
    )
    return new
