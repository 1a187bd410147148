"""Every API error is the JSON error body (DESIGN.md section 11), at the edges too: a body over the
size limit is 413, an unknown path under /api/ is 404, a request Django refuses before any view is
400, each as ``{"message", "errors", "code"}``; the HTML pages keep their HTML error pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import get_resolver
from rest_framework.test import APIClient

from accounts.models import Borrower
from collections_app.models import Integration
from tests.api.conftest import Dialer, dialer_client

pytestmark = pytest.mark.django_db


def server_error(request: Any) -> Any:
    """What Django answers when a view raised and nothing caught it: the project's ``handler500``."""
    return get_resolver().resolve_error_handler(500)(request)

BODY_KEYS = {"message", "errors", "code"}


def is_error_body(response: Any, code: str) -> bool:
    body = json.loads(response.content) if response["Content-Type"] == "application/json" else {}
    return set(body) == BODY_KEYS and body["code"] == code and body["errors"] == {} and bool(body["message"])


@pytest.fixture
def core(dialer: Dialer) -> Dialer:
    return dialer_client("core", kind=Integration.Kind.CORE_SYSTEM)


def test_a_70_mb_book_import_is_413_in_the_error_body_and_writes_nothing(core: Dialer) -> None:
    borrower = b'{"external_id": "B-1", "name": "A", "phones": []}'
    tape = b'{"borrowers": [' + borrower + b'], "loans": [], "payments": [], "pad": "' + b"x" * (70 << 20) + b'"}'

    response = core.client.post("/api/v1/book/import/", tape, content_type="application/json")

    assert response.status_code == 413
    assert is_error_body(response, "payload_too_large")
    assert str(64 << 20) in response.json()["message"]
    assert not Borrower.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/v1/dialer/events/", "/api/v1/payments/", "/api/v1/dialer/dial-authorizations/", "/api/v1/complaints/"]
)
def test_a_body_over_the_limit_is_413_on_every_endpoint(dialer: Dialer, path: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    token = dialer if "payments" not in path else dialer_client("core", kind=Integration.Kind.CORE_SYSTEM)

    response = token.client.post(path, {"events": [], "pad": "x" * 2048}, format="json")

    assert response.status_code == 413
    assert is_error_body(response, "payload_too_large")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cases/abc/", "/api/v1/cases/abc/assign/", "/api/v1/nope/", "/api/v1/dialer/calls/", "/api/nope",
     "/api/v2/cases/"],  # fmt: skip
)
def test_an_unknown_api_path_is_404_in_the_error_body(dialer: Dialer, path: str) -> None:
    response = dialer.client.get(path)

    assert response.status_code == 404
    assert is_error_body(response, "not_found")


def test_an_unknown_api_path_is_404_for_a_post_and_without_credentials_too(dialer: Dialer) -> None:
    response = APIClient().post("/api/v1/cases/abc/assign/", {"agent": "x"}, format="json")

    assert response.status_code == 404
    assert is_error_body(response, "not_found")


def test_a_request_django_refuses_before_any_view_is_400_in_the_error_body(dialer: Dialer) -> None:
    response = dialer.client.get("/api/v1/dialer/call-list/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert is_error_body(response, "bad_request")


def test_an_uncaught_server_error_under_api_is_the_error_body() -> None:
    response = server_error(RequestFactory().get("/api/v1/cases/"))

    assert response.status_code == 500
    assert is_error_body(response, "server_error")


def test_the_html_pages_keep_their_html_error_pages(client: Any) -> None:
    assert client.get("/nope/")["Content-Type"].startswith("text/html")
    assert client.get("/nope/").status_code == 404
    assert server_error(RequestFactory().get("/cases/"))["Content-Type"].startswith("text/html")
