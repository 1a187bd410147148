"""Each operation declares only the credentials it accepts (issue 21, item 10): the dialer's endpoints
the token alone, the call reviews the session alone; and what is declared refused is refused."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from collections_app import roles
from collections_app.models import Integration
from tests.api.conftest import dialer_client
from tests.factories import UserFactory

SESSION = "cookieAuth"


def _schema() -> dict[str, Any]:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


SCHEMA = _schema()


def _operations(kind: str) -> list[tuple[str, str]]:
    found = []
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            anonymous = {} in operation.get("security", [])
            if kind == "token only" and SESSION not in schemes and not anonymous:
                found.append((method, path))
            if kind == "session only" and schemes == {SESSION}:
                found.append((method, path))
    return found


def test_the_dialer_endpoints_declare_the_token_alone_and_the_call_reviews_the_session_alone() -> None:
    paths = SCHEMA["paths"]

    for path in ("/api/v1/dialer/call-list/", "/api/v1/dispositions/", "/api/v1/dnc/"):
        assert paths[path]["get"]["security"] == [{"integrationToken": []}], path
    assert paths["/api/v1/dialer/dial-authorizations/"]["post"]["security"] == [{"integrationToken": []}]
    assert paths["/api/v1/qa/reviews/"]["get"]["security"] == [{SESSION: []}]
    # Both where both are taken.
    assert paths["/api/v1/compliance/check/"]["get"]["security"] == [{"integrationToken": []}, {SESSION: []}]


def _call(client: APIClient, method: str, path: str) -> Any:
    url = re.sub(r"\{[^}]+\}", "1", path)
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, {}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), _operations("token only"))
def test_a_session_is_refused_where_only_the_token_is_declared(method: str, path: str) -> None:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=roles.SUPERVISOR)[0])
    client = APIClient()
    client.force_login(user)

    # 403 where the session is recognised to be refused, 401 where only a token is read (VICIdial's)
    assert _call(client, method, path).status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), _operations("session only"))
def test_a_token_is_refused_where_only_the_session_is_declared(method: str, path: str) -> None:
    for kind in Integration.Kind.values:
        client = dialer_client(name=f"token-{kind}", kind=kind).client

        assert _call(client, method, path).status_code == 403, kind


def test_no_operation_that_takes_a_session_says_sessions_are_refused() -> None:
    wrong = [
        f"{method} {path}"
        for path, operations in SCHEMA["paths"].items()
        for method, operation in operations.items()
        if {SESSION: []} in operation.get("security", []) and "session is recognised only to be refused" in operation.get("description", "")
    ]
    assert not wrong, wrong


def test_request_bodies_are_declared_as_json_alone() -> None:
    # (the SMS provider's callbacks take its form posts, and only them)
    mixed = {
        f"{method} {path}": set(operation["requestBody"]["content"])
        for path, operations in SCHEMA["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and set(operation["requestBody"]["content"]) != {"application/json"}
    }
    assert mixed and all("/integrations/sms/" in name for name in mixed), mixed
    assert all("application/json" not in types for types in mixed.values()), mixed


@pytest.mark.django_db
def test_the_token_is_declared_as_the_bearer_scheme_a_generated_client_sends() -> None:
    scheme = SCHEMA["components"]["securitySchemes"]["integrationToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")

    # As a client generated from it sends the token: Authorization: Bearer <token>
    dialer = dialer_client()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {dialer.token}")
    assert client.get("/api/v1/dispositions/").status_code == 200
