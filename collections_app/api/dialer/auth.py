"""``Authorization: Token cw_...`` (or ``Bearer cw_...``): the integration is ``request.auth``, its service
user ``request.user``.

``IntegrationTokenAuthentication`` is the first authentication class of every API view (settings'
``DEFAULT_AUTHENTICATION_CLASSES``, then sessions): DRF asks the first class for the
``WWW-Authenticate`` challenge, so a missing, wrong, revoked or expired token is 401 with it on every
endpoint, never a 403.
"""

from __future__ import annotations

import json
from typing import Any

from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from collections_app.models import Integration
from collections_app.services.dialer.authorizations import DialRead, dial_read
from collections_app.services.integrations import (
    integration_for_token,
    integration_matching,
    integration_touch,
    token_prefix,
)

KEYWORD = "Token"
# Accepted as well: many HTTP clients and API gateways only know how to send a bearer token.
SCHEMES = {KEYWORD.lower().encode(), b"bearer"}


def authenticate_token(token: str) -> tuple[Any, Integration]:
    """The (user, integration) of a token, or ``AuthenticationFailed`` saying why (wrong, revoked, expired)."""
    return integration_admitted(integration_for_token(token))


def integration_admitted(integration: Integration | None) -> tuple[Any, Integration]:
    """The (user, integration) of the integration a token matched (None: none did), or
    ``AuthenticationFailed`` saying why it is refused."""
    if integration is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")
    if integration.revoked_at is not None or not integration.is_active:
        raise exceptions.AuthenticationFailed(_("This token has been revoked."), code="token_revoked")
    if integration.expires_at is not None and integration.expires_at <= timezone.now():
        raise exceptions.AuthenticationFailed(_("This token has expired."), code="token_expired")
    if not integration.user.is_active:
        raise exceptions.AuthenticationFailed(_("The integration's service user is disabled."), code="user_inactive")
    integration_touch(integration)
    return integration.user, integration


class IntegrationTokenAuthentication(BaseAuthentication):
    """Integration tokens in the ``Authorization`` header (``Token`` or ``Bearer``). No such header: the
    next class decides (sessions)."""

    def __init__(self, *, with_dial_read: bool = False) -> None:
        # Dial authorizations: the token is read with the phone, the case and the borrower's
        # accounts the body names, in one query (``dial_read``, DESIGN.md 13), kept on the request
        # for the view (``dial_read_of``). The token is judged as everywhere (``integration_admitted``);
        # a body that is not JSON or names no ids is the view's to refuse, after the token.
        self.with_dial_read = with_dial_read

    def authenticate(self, request: Request) -> tuple[Any, Integration] | None:
        token = header_token(request)
        if token is None:
            return None
        if not self.with_dial_read:
            return authenticate_token(token)
        prefix = token_prefix(token)
        if prefix is None:
            return integration_admitted(None)
        phone_id, case_id = _ids_named(request)
        read = dial_read(token_prefix=prefix, phone_id=phone_id, case_id=case_id)
        request._request.dial_read = read  # type: ignore[attr-defined]
        return integration_admitted(integration_matching(token, read.integration))

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def header_token(request: Request) -> str | None:
    """The token of the ``Authorization`` header, None without one of our schemes."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() not in SCHEMES:
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            _("Send the header as: Authorization: Token <token>."), code="token_malformed"
        )
    try:
        return parts[1].decode()
    except UnicodeDecodeError as exc:
        raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid") from exc


def dial_read_of(request: Request) -> DialRead | None:
    return getattr(request._request, "dial_read", None)


def _ids_named(request: Request) -> tuple[Any, Any]:
    """The phone and case ids the body seems to name (the serializer judges the body later)."""
    try:
        body = json.loads(request._request.body or b"null")
    except (ValueError, UnicodeDecodeError, RawPostDataException):
        return None, None
    if not isinstance(body, dict):
        return None, None
    ids = body.get("phone_id"), body.get("case_id")
    return tuple(v if type(v) is int else None for v in ids)  # type: ignore[return-value]


class QueryTokenAuthentication(BaseAuthentication):
    """The token in the query string (``?token=``), for adapters that can only send a URL (VICIdial).

    Only the adapter views use it; a token in a URL ends up in access logs, so give such a dialer
    its own integration, scoped to what it needs.
    """

    def authenticate(self, request: Request) -> tuple[Any, Integration] | None:
        token = request.query_params.get("token")
        if not token:
            return None
        return authenticate_token(token)

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = IntegrationTokenAuthentication
    name = "integrationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # HTTP bearer, so that any generated client sends `Authorization: Bearer <token>` as generated
        # (an API key in Authorization had it send the bare token, which is 401).
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An integration token: `Authorization: Bearer cw_...` (or `Authorization: Token cw_...`); "
                "manage.py dialer_token create NAME."
            ),
        }


class QueryTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = QueryTokenAuthentication
    name = "integrationTokenInQuery"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "query", "name": "token", "description": "The integration token."}
