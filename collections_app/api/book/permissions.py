"""Who may call the core-system endpoints (book import, payments)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

# The role group's name, as collections_app.roles.ADMINISTRATOR.
ADMINISTRATOR_GROUP = "administrator"


class IsAdministrator(BasePermission):
    """Administrators only: superusers and members of the "administrator" group.

    Integration tokens: when the request was authenticated by a token (``request.auth`` not None)
    that can tell its scopes (``has_scope(scope) -> bool``, ``collections_app.models.Integration``),
    the token decides alone: it passes when it is a core-system integration holding the view's
    ``required_scope`` (a dialer's token never loads the book). A session (``request.auth`` is
    None) is judged by its user's role.
    """

    message = _("Only administrators may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if token is not None and hasattr(token, "has_scope"):
            scope = getattr(view, "required_scope", None)
            core_system = getattr(token, "kind", "core_system") == "core_system"
            return core_system and bool(scope) and bool(token.has_scope(scope))
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_superuser or user.groups.filter(name=ADMINISTRATOR_GROUP).exists())
