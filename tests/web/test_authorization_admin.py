"""Who may open the admin's pages, and what a team lead finds there (the matrix is ``tests.web.authz_admin``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import resolve

from collections_app.models import Case
from tests.web.authz_admin import ADMIN_MODELS, ADMIN_PAGES, NOT_STAFF, admin_url
from tests.web.authz_world import (
    ADMIN,
    DENIED,
    HIDDEN,
    LEAD,
    MOVED,
    OK,
    OTHER,
    OWN,
    ROLES,
    SUPERVISOR,
    World,
    by_role,
    outcome,
    refusals,
)


def admin_verdict(world: World, role: str, url: str) -> str:
    """The admin view's own answer to ``role``, before its template is rendered (the verdict comes first).

    The admin reads only the session's user, so a token is nobody there; rendering its pages for
    every role would take most of this module's time.
    """
    from django.contrib.auth.models import AnonymousUser, User
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.test import RequestFactory

    request = RequestFactory().get(url)
    request.user = User.objects.get(pk=world.users[role]) if role in world.users else AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    match = resolve(url)
    try:
        return outcome(match.func(request, *match.args, **match.kwargs))
    except PermissionDenied:
        return DENIED
    except Http404:
        return HIDDEN


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_each_role_sees_the_admin_pages_the_matrix_says(world: World, db: None, model: str) -> None:
    from django.apps import apps

    obj = apps.get_model(model).objects.order_by("pk").first()
    assert obj is not None, f"the world has no {model} to open"
    staff = dict(zip((LEAD, SUPERVISOR, ADMIN), ADMIN_MODELS[model], strict=True))
    wanted = {role: dict(zip(ADMIN_PAGES, staff.get(role, NOT_STAFF), strict=True)) for role in ROLES}

    got = by_role(
        lambda role: {page: admin_verdict(world, role, admin_url(model, page, obj.pk)) for page in ADMIN_PAGES}
    )

    assert got == wanted, refusals(got, wanted, f"the admin of {model}")


def _admin_rows(world: World, variant: str) -> dict[str, int]:
    """The variant's objects as the book's admin pages list them: model -> pk."""
    from accounts.models import Payment

    objects = world.objects[variant]
    case = Case.objects.select_related("account").get(pk=objects["case"])
    return {
        "collections_app.case": case.pk, "accounts.borrower": case.account.borrower_id,
        "accounts.loanaccount": case.account_id, "accounts.phone": objects["phone"],
        "accounts.payment": Payment.objects.get(external_id=objects["payment"]["external_id"]).pk,
        "collections_app.team": objects["team"], "collections_app.agent": objects["agent"],
        "collections_app.assignmentrecord": objects["assignment"],
    }  # fmt: skip


def test_a_team_lead_finds_in_the_admin_only_their_teams_rows_as_on_the_site(world: World, db: None) -> None:
    own, other = _admin_rows(world, OWN), _admin_rows(world, OTHER)
    lead, supervisor = world.client(LEAD), world.client(SUPERVISOR)

    def listed(client: Any, model: str) -> int:
        return int(client.get(admin_url(model, "changelist", None)).context["cl"].result_count)

    opened = {model: (outcome(lead.get(admin_url(model, "change", own[model]))),
                      outcome(lead.get(admin_url(model, "change", other[model])))) for model in own}  # fmt: skip
    counts = {model: (listed(lead, model), listed(supervisor, model)) for model in own}

    # Another team's row does not exist for the lead: the admin says so and goes back to its index.
    assert opened == dict.fromkeys(own, (OK, MOVED))
    assert counts == {
        "collections_app.case": (3, 5), "accounts.borrower": (3, 5), "accounts.loanaccount": (3, 5),
        "accounts.phone": (3, 5), "accounts.payment": (2, 3), "collections_app.team": (1, 2),
        "collections_app.agent": (2, 4), "collections_app.assignmentrecord": (1, 2),
    }  # fmt: skip
