"""Who may call what: integration tokens by scope; sessions never on dialer endpoints."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from collections_app.models import Integration
from collections_app.models.integrations import SCOPE_CASES, SCOPE_DIALER, SCOPE_PROMISES
from collections_app.roles import ADMINISTRATOR, AGENT, SUPERVISOR, TEAM_LEAD, user_has_role


def integration_of(request: Request) -> Integration | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Integration) else None


class TokenScope(BasePermission):
    """Integration tokens holding the view's ``required_scope``; anyone else (a logged-in agent too) is refused."""

    message = _("This endpoint is for integration tokens with the right scope.")
    refuses_sessions = True  # the schema declares the token alone (config.schema)

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        scope = getattr(view, "required_scope", None)
        return integration is not None and bool(scope) and integration.has_scope(str(scope))


class DialerScope(TokenScope):
    """The dialer endpoints: a token with the ``dialer`` scope (not a session, whoever is logged in)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        return integration is not None and integration.has_scope(SCOPE_DIALER)


class PromiseWriters(BasePermission):
    """Tokens with the ``promises`` scope, or a session of an agent, team lead or supervisor.

    Which cases a session may touch is the view's queryset (``cases_workable_by``, as on the
    screens): administrators and analysts read cases, they record no promise.
    """

    message = _("Only agents, team leads, supervisors and integrations may record promises.")

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is not None:
            return integration.has_scope(SCOPE_PROMISES)
        if request.auth is not None:  # another kind of token: not ours to judge
            return False
        user = request.user
        return bool(getattr(user, "is_authenticated", False)) and user_has_role(user, AGENT, TEAM_LEAD, SUPERVISOR)


class CaseReaders(BasePermission):
    """``GET cases/``: any session (its role limits the cases, ``cases_visible_to``) and tokens holding
    the ``core:cases`` scope (the core lending system reads every case). A dialer's token is refused:
    it works from the call list."""

    message = _("Only signed-in users and tokens with the core:cases scope may read cases.")

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is not None:
            return integration.has_scope(SCOPE_CASES)
        if request.auth is not None:  # another kind of token: not ours to judge
            return False
        return bool(getattr(request.user, "is_authenticated", False))


class ComplianceReaders(BasePermission):
    """``compliance/check/``: tokens with the ``dialer`` scope, and sessions of team leads (the phones of
    their teams' cases), supervisors and administrators (every phone).

    Being staff is not enough: a staff user without one of those roles, an agent or an analyst is
    refused (an analyst reads reports, not borrowers' phones).
    """

    message = _("Only team leads, supervisors, administrators and dialer tokens may check a phone.")

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is not None:
            return integration.has_scope(SCOPE_DIALER)
        if request.auth is not None:
            return False
        user = request.user
        return bool(getattr(user, "is_authenticated", False)) and user_has_role(
            user, TEAM_LEAD, SUPERVISOR, ADMINISTRATOR
        )
