"""The API's docs and schema: Swagger UI served from the app (no CDN), a Content-Security-Policy that
allows nothing else, and both for callers with credentials only (DESIGN.md section 11)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.shortcuts import resolve_url
from rest_framework.test import APIClient

from tests.api.conftest import Dialer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SIDECAR = "/static/drf_spectacular_sidecar/swagger-ui-dist/"


@pytest.fixture
def signed_in(db: None) -> APIClient:
    client = APIClient()
    client.force_login(UserFactory(username="reader"))
    return client


def references(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_the_docs_load_swagger_ui_from_the_app_not_a_cdn(signed_in: APIClient) -> None:
    response = signed_in.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{SIDECAR}swagger-ui-bundle.js" in references(page)
    assert f"{SIDECAR}swagger-ui.css" in references(page)
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references(page)), references(page)
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_docs_page_runs_no_inline_script(signed_in: APIClient) -> None:
    page = signed_in.get("/api/docs/").content.decode()
    starter = next(ref for ref in references(page) if ref.startswith("/api/docs/"))

    script = signed_in.get(starter)

    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/", "/api/v1/cases/", "/api/v1/nope/"])
def test_every_api_answer_has_a_content_security_policy_of_the_app_only(signed_in: APIClient, path: str) -> None:
    policy = signed_in.get(path)["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in policy and "*" not in policy


def test_the_schema_is_refused_without_credentials_in_the_error_body() -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_the_schema_is_served_to_integration_tokens_and_signed_in_users(dialer: Dialer, signed_in: APIClient) -> None:
    by_token = dialer.client.get("/api/schema/", {"format": "json"})
    by_session = signed_in.get("/api/schema/", {"format": "json"})

    assert by_token.status_code == by_session.status_code == 200
    assert "/api/v1/dialer/call-list/" in by_token.json()["paths"]


def test_the_docs_send_an_anonymous_visitor_to_the_login_page(client: Any, dialer: Dialer) -> None:
    anonymous = client.get("/api/docs/")
    by_token = dialer.client.get("/api/docs/")  # a browser page: a token header signs nobody in there

    assert anonymous.status_code == by_token.status_code == 302
    assert anonymous["Location"] == by_token["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next=/api/docs/"
