"""Roles are Django groups. The names are constants; ``roles_ensure()`` creates them with their permissions.

What a role may *see* is enforced in querysets (selectors) and views; the model permissions
below are what the Django admin and DRF's model permissions read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

AGENT = "agent"
TEAM_LEAD = "team_lead"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"
DIALER_INTEGRATION = "dialer_integration"
ANALYST = "analyst"

ROLES = (AGENT, TEAM_LEAD, SUPERVISOR, ADMINISTRATOR, DIALER_INTEGRATION, ANALYST)
ROLE_LABELS = {
    AGENT: _("Agent"),
    TEAM_LEAD: _("Team lead"),
    SUPERVISOR: _("Supervisor"),
    ADMINISTRATOR: _("Administrator"),
    DIALER_INTEGRATION: _("Dialer integration"),
    ANALYST: _("Analyst"),
}

# Who may read the portfolio (book-wide aggregates).
PORTFOLIO_ROLES = (SUPERVISOR, TEAM_LEAD, ANALYST, ADMINISTRATOR)
# Who moves and locks cases and puts agents on leave: team leads (their teams) and supervisors.
# The administrator configures; it works no cases (DESIGN.md section 11) and reads the boards only.
CASE_MANAGERS = (TEAM_LEAD, SUPERVISOR)

VIEW = ("view",)
EDIT = ("view", "change")
ALL = ("view", "add", "change", "delete")

# role -> [(app label, model names or None for every model of the app, actions)]
Grant = tuple[str, tuple[str, ...] | None, tuple[str, ...]]
THE_BOOK = ("borrower", "phone", "loanaccount", "installment", "payment", "paymentallocation")
ROLE_GRANTS: dict[str, list[Grant]] = {
    AGENT: [
        ("accounts", THE_BOOK, VIEW),
        ("collections_app", ("case",), VIEW),
        ("collections_app", ("complaint",), ("view", "add")),
    ],
    TEAM_LEAD: [
        ("accounts", THE_BOOK, VIEW),
        ("collections_app", ("case",), EDIT),
        ("collections_app", ("complaint",), ("view", "add")),
        ("collections_app", ("complaintcategory", "complaintpolicy"), VIEW),
        ("collections_app", ("team", "agent", "assignmentrecord"), VIEW),
        ("accounts", ("bucket", "cobrun", "bucketdailytotal"), VIEW),
    ],
    SUPERVISOR: [
        ("accounts", None, VIEW),
        ("collections_app", ("case", "agent"), EDIT),
        ("collections_app", ("team",), ALL),
        ("collections_app", ("assignmentrecord",), VIEW),
        ("collections_app", ("complaint",), ("view", "add")),
        ("collections_app", ("complaintcategory", "complaintpolicy", "scorecard", "scorecarditem"), VIEW),
        # A collections head runs the strategies and their experiments; the arms are recorded by the service.
        ("collections_app", ("strategy", "segment", "arm", "action", "channelcost"), ALL),
        ("collections_app", ("armassignment",), VIEW),
        ("django_celery_beat", None, ALL),
    ],
    ADMINISTRATOR: [
        ("accounts", None, ALL),
        ("collections_app", None, ALL),
        ("scheduling", None, ALL),
        ("django_celery_beat", None, ALL),
        ("auth", ("user", "group"), ALL),
    ],
    DIALER_INTEGRATION: [
        ("accounts", ("phone",), VIEW),
        ("collections_app", ("case",), VIEW),
    ],
    ANALYST: [
        ("accounts", None, VIEW),
        ("collections_app", None, VIEW),
        ("scheduling", None, VIEW),
    ],
}


def _grant_filter(grants: Iterable[Grant]) -> Q:
    condition = Q(pk__in=[])
    for app_label, models, actions in grants:
        if models is None:
            codenames = Q(pk__in=[])
            for action in actions:
                codenames |= Q(codename__startswith=f"{action}_")
            condition |= Q(content_type__app_label=app_label) & codenames
        else:
            wanted = [f"{action}_{model}" for model in models for action in actions]
            condition |= Q(content_type__app_label=app_label, codename__in=wanted)
    return condition


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create every role's group and grant it its permissions. Safe to run again.

    Permissions are added, never removed: what an administrator granted by hand stays.
    Permissions of models that do not exist yet are granted by the next run after their migration.
    """
    groups: dict[str, Group] = {}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(_grant_filter(ROLE_GRANTS[role])).values_list("pk", flat=True)
        group.permissions.add(*permissions)
        groups[role] = group
    return groups


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The roles of a user (a superuser counts as administrator), read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_workbench_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))  # type: ignore[union-attr]
        if getattr(user, "is_superuser", False):
            names.add(ADMINISTRATOR)
        cached = frozenset(names)
        user._workbench_roles = cached  # type: ignore[union-attr]
    return cached


def user_has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    """True when the user holds at least one of ``roles``."""
    return bool(user_roles(user) & set(roles))


View = TypeVar("View", bound=Callable[..., HttpResponse])


def role_required(*roles: str) -> Callable[[View], View]:
    """Decorate a view: anonymous users go to the login page, users without one of ``roles`` get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
