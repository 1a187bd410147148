"""Integration tokens: create (the token is shown once), look up, revoke; per-dialer disposition mappings.

A token reads ``cw_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole token
must match the stored digest (compared in constant time). The secret is never stored.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from collections_app.models import DispositionCode, DispositionMapping, Integration
from collections_app.models.integrations import SCOPES, token_digest
from collections_app.roles import DIALER_INTEGRATION
from config.errors import DomainError, ErrorCode

TOKEN_RE = re.compile(r"^cw_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{40,})$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")

# VICIdial's system statuses (its agent and auto-dial dispositions) and our codes. An administrator
# changes them in the admin; campaign statuses of one's own are added there too.
VICIDIAL_MAPPINGS: dict[str, str] = {
    "NA": "no_answer",  # no answer (auto-dial)
    "N": "no_answer",  # no answer
    "DROP": "no_answer",  # answered, no agent free: dropped (still a placed call)
    "PDROP": "no_answer",  # outbound pre-routing drop
    "B": "busy",  # busy
    "AB": "busy",  # busy (auto-dial)
    "A": "voicemail",  # answering machine
    "AA": "voicemail",  # answering machine (auto-dial)
    "AM": "voicemail",  # answering machine, message sent
    "AL": "voicemail",  # answering machine, message played
    "DC": "not_in_service",  # disconnected number
    "ADC": "not_in_service",  # disconnected number (auto-dial)
    "WN": "wrong_number",
    "DNC": "dnc_request",  # do not call
    "NI": "refused",  # not interested
    "CALLBK": "callback",  # call back
    "SALE": "rpc_promise",  # the campaign's "sale" is a promise to pay
}


def _token_new() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"cw_{prefix}_{secrets.token_urlsafe(32)}"


def _scopes_check(scopes: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(scopes))
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        raise DomainError(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)},
            errors={"scopes": [_("Choose from %(known)s.") % {"known": ", ".join(SCOPES)}]},
        )
    return wanted


@transaction.atomic
def integration_create(
    *,
    name: str,
    kind: str = Integration.Kind.DIALER,
    scopes: Iterable[str] | None = None,
    actor: AbstractBaseUser | None = None,
    rate_limit_per_minute: int | None = None,
    mappings: Mapping[str, str] | None = None,
) -> tuple[Integration, str]:
    """A new integration with its service user (role "dialer integration"); returns it and the clear token.

    The token is not kept: show it once. ``mappings`` (dialer code -> our code) are created with it.
    """
    errors: dict[str, list[str]] = {}
    if not NAME_RE.match(name or ""):
        errors["name"] = [_("1 to 64 letters, digits, spaces, dots, dashes or underscores.")]
    elif Integration.objects.filter(name=name).exists():
        errors["name"] = [_("An integration with this name exists.")]
    if kind not in Integration.Kind.values:
        errors["kind"] = [_("Choose dialer or core_system.")]
    if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
        errors["rate_limit_per_minute"] = [_("At least one request a minute.")]
    if errors:
        raise DomainError(_("The integration was not created."), errors=errors)
    chosen = _scopes_check(scopes if scopes is not None else Integration.DEFAULT_SCOPES[kind])
    username = f"integration-{slugify(name)}"[:150]
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise DomainError(
            _("The integration was not created."),
            errors={"name": [_("The service user %(username)s exists already.") % {"username": username}]},
        )
    user = user_model(username=username, is_active=True)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=DIALER_INTEGRATION)[0])
    prefix, token = _token_new()
    integration = Integration.objects.create(
        name=name,
        kind=kind,
        user=user,
        token_prefix=prefix,
        token_hash=token_digest(token),
        scopes=chosen,
        rate_limit_per_minute=rate_limit_per_minute or Integration._meta.get_field("rate_limit_per_minute").default,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    if mappings:
        mappings_set(integration=integration, mappings=mappings, actor=actor)
    audit_record(
        action="integration.create",
        obj=integration,
        actor=actor,
        after={"name": name, "kind": kind, "scopes": chosen, "token_prefix": prefix},
    )
    return integration, token


@transaction.atomic
def integration_revoke(*, integration: Integration, actor: AbstractBaseUser | None = None, reason: str = "") -> Integration:
    """Revoke the token at once: every later request with it is refused (401). Idempotent."""
    changed = Integration.objects.filter(pk=integration.pk, revoked_at__isnull=True).update(
        is_active=False, revoked_at=timezone.now()
    )
    integration.refresh_from_db()
    if changed:
        audit_record(
            action="integration.revoke", obj=integration, actor=actor, after={"revoked": True}, reason=reason
        )
    return integration


@transaction.atomic
def integration_token_rotate(*, integration: Integration, actor: AbstractBaseUser | None = None) -> str:
    """A new token for a live integration; the old one stops working at once. Returns the clear token."""
    if integration.revoked_at is not None:
        raise DomainError(_("A revoked integration cannot get a new token."), code=ErrorCode.REVOKED)
    prefix, token = _token_new()
    Integration.objects.filter(pk=integration.pk).update(token_prefix=prefix, token_hash=token_digest(token))
    integration.refresh_from_db()
    audit_record(action="integration.rotate", obj=integration, actor=actor, after={"token_prefix": prefix})
    return token


def integration_for_token(token: str) -> Integration | None:
    """The integration a presented token belongs to (revoked or not: the caller says why it refuses), or None.

    One query; the digest is compared in constant time.
    """
    prefix = token_prefix(token)
    if prefix is None:
        return None
    return integration_matching(token, Integration.objects.select_related("user").filter(token_prefix=prefix).first())


def token_prefix(token: str) -> str | None:
    """The prefix that finds a token's row, or None when the token is not one of ours."""
    match = TOKEN_RE.match(token or "")
    return match["prefix"] if match else None


def integration_matching(token: str, found: Integration | None) -> Integration | None:
    """The integration found by the token's prefix if the token is its own (digest compared in
    constant time), else None."""
    if found is None or not hmac.compare_digest(found.token_hash, token_digest(token)):
        return None
    return found


def integration_touch(integration: Integration, *, now: dt.datetime | None = None) -> None:
    """Note that the integration was used, at most once a minute (no write per request)."""
    now = now or timezone.now()
    if integration.last_used_at is None or now - integration.last_used_at > dt.timedelta(minutes=1):
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now


@transaction.atomic
def mappings_set(
    *, integration: Integration, mappings: Mapping[str, str], actor: AbstractBaseUser | None = None
) -> list[DispositionMapping]:
    """Map the dialer's codes to ours (created or changed; others kept). Unknown codes of ours are refused."""
    codes = {code.code: code for code in DispositionCode.objects.filter(code__in=set(mappings.values()))}
    unknown = sorted({ours for ours in mappings.values() if ours not in codes})
    if unknown:
        raise DomainError(
            _("Unknown disposition codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            errors={"mappings": [_("Map to one of our codes.")]},
        )
    rows = [
        DispositionMapping(integration=integration, external_code=external[:32], disposition=codes[ours])
        for external, ours in mappings.items()
    ]
    DispositionMapping.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["integration", "external_code"],
        update_fields=["disposition"],
    )
    audit_record(
        action="integration.mappings", obj=integration, actor=actor, after={"mappings": dict(mappings)}
    )
    return list(integration.mappings.select_related("disposition"))
