"""manage.py dialer_token and the admin page: tokens printed once, listed without them, revoked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from collections_app.models import Integration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("dialer_token", *args, stdout=out)
    return out.getvalue()


def test_create_prints_a_token_that_works_once_only_in_the_output() -> None:
    output = run("create", "acme")

    token = output.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/dispositions/").status_code == 200
    assert token not in run("list")
    assert "acme\tdialer" in run("list")


def test_create_with_the_core_system_kind_gets_the_book_scopes() -> None:
    run("create", "core-bank", "--kind", "core_system")

    assert Integration.objects.get(name="core-bank").scopes == ["core:book", "core:payments", "core:cases", "dnc", "promises", "complaints", "messages"]


def test_create_with_vicidial_maps_its_statuses() -> None:
    run("create", "vici", "--vicidial")

    mappings = dict(Integration.objects.get(name="vici").mappings.values_list("external_code", "disposition__code"))
    assert mappings["NA"] == "no_answer"
    assert mappings["DNC"] == "dnc_request"


def test_a_dialer_made_plainly_maps_the_usual_dialer_statuses_so_the_readme_example_runs() -> None:
    output = run("create", "acme")

    mappings = dict(Integration.objects.get(name="acme").mappings.values_list("external_code", "disposition__code"))
    assert mappings["SALE"] == "rpc_promise"
    assert mappings["NA"] == "no_answer"
    assert f"{len(mappings)} disposition mappings" in output


def test_no_mappings_and_the_core_system_map_nothing() -> None:
    run("create", "bare", "--no-mappings")
    run("create", "core-bank", "--kind", "core_system")

    assert not Integration.objects.get(name="bare").mappings.exists()
    assert not Integration.objects.get(name="core-bank").mappings.exists()


def test_a_name_taken_is_an_error_that_creates_nothing() -> None:
    run("create", "acme")

    with pytest.raises(CommandError, match="exists"):
        run("create", "acme")
    assert Integration.objects.count() == 1


def test_revoke_stops_the_token() -> None:
    token = run("create", "acme").strip().splitlines()[-1]

    assert "Revoked acme" in run("revoke", "acme")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/dispositions/").status_code == 401
    assert "revoked" in run("list")


def test_rotate_replaces_the_token() -> None:
    old = run("create", "acme").strip().splitlines()[-1]

    new = run("rotate", "acme").strip().splitlines()[-1]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/dispositions/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/v1/dispositions/").status_code == 200


def test_revoking_an_unknown_name_is_an_error() -> None:
    with pytest.raises(CommandError, match="No integration"):
        run("revoke", "ghost")


def test_an_administrator_creates_an_integration_in_the_admin_and_sees_the_token_once() -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(admin)

    response = client.post(
        "/admin/collections_app/integration/add/",
        {"name": "genesys", "kind": "dialer", "rate_limit_per_minute": "600", "scopes": ["dialer"],
         "mappings-TOTAL_FORMS": "0", "mappings-INITIAL_FORMS": "0"},
        follow=True,
    )  # fmt: skip

    assert response.status_code == 200
    integration = Integration.objects.get(name="genesys")
    assert integration.scopes == ["dialer"]
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"cw_{integration.token_prefix}_" in message for message in shown)
    assert client.get(f"/admin/collections_app/integration/{integration.pk}/change/").status_code == 200
