"""A wrong or revoked integration token is 401 with ``WWW-Authenticate`` on every API endpoint, in the
error body (DESIGN.md section 11), whatever view answers: one authentication for the whole API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from collections_app.models import Integration
from collections_app.services.integrations import integration_revoke
from tests.api.conftest import CaseDebt, Dialer, dialer_client

pytestmark = pytest.mark.django_db
WRONG = "cw_000000000000_" + "x" * 43


def api_operations() -> list[tuple[str, str]]:
    """Every (method, path) of the published schema, its path parameters filled with 1."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [
        (method, re.sub(r"\{[^}]+\}", "1", path))
        for path, item in paths.items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = api_operations()


def answer(client: APIClient, method: str, path: str, token: str) -> Any:
    # The token in the query too, for the VICIdial adapter (it reads only that one).
    return getattr(client, method)(f"{path}?token={token}", {}, format="json")


def test_the_schema_lists_the_endpoints_the_issue_names() -> None:
    paths = {path for _method, path in OPERATIONS}

    assert {"/api/v1/cases/", "/api/v1/compliance/check/", "/api/v1/payments/", "/api/v1/book/import/",
            "/api/v1/dialer/call-list/", "/api/v1/dialer/events/"} <= paths  # fmt: skip


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_a_wrong_token_is_401_with_the_scheme_to_use_on_every_endpoint(
    dialer: Dialer, method: str, path: str, scheme: str
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {WRONG}")

    response = answer(client, method, path, WRONG)

    assert response.status_code == 401, (method, path, response.content[:200])
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Invalid token.", "errors": {}, "code": "token_invalid"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_revoked_token_is_401_on_every_endpoint(dialer: Dialer, method: str, path: str) -> None:
    core = dialer_client("core", kind=Integration.Kind.CORE_SYSTEM)
    integration_revoke(integration=core.integration)

    response = answer(core.client, method, path, core.token)

    assert response.status_code == 401, (method, path, response.content[:200])
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "token_revoked"


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/payments/", "/api/v1/compliance/check/"])
def test_no_credentials_at_all_is_401_too(dialer: Dialer, path: str) -> None:
    response = APIClient().get(path)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_token_is_also_accepted_as_a_bearer_token(dialer: Dialer, debt: CaseDebt) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {dialer.token}")

    response = client.get("/api/v1/dialer/call-list/")

    assert response.status_code == 200
    assert response.json()["results"][0]["phone_id"] == debt.phone.pk


def test_a_bearer_header_without_a_token_says_how_to_send_it(dialer: Dialer) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer")

    response = client.get("/api/v1/cases/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_malformed"
