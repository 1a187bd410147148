"""The dialer API against its own OpenAPI schema: the schema validates, and schemathesis (bounded examples,
in-process through WSGI, with a valid dialer token) finds no 5xx and no answer outside the schema."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collections_app.services.integrations import VICIDIAL_MAPPINGS, integration_create
from scheduling.presets import presets_ensure
from tests.api.conftest import open_case_debt

# The dialer contract (DESIGN.md section 10): the endpoints this API serves to integrations.
DIALER_PATHS = r"^/api/v1/(dialer/|dnc/|dispositions/|integrations/|compliance/check/|cases/\{case_id\}/promises/)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_schema_validates_without_warnings() -> None:
    out = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    text = out.getvalue()
    for path in ("/api/v1/dialer/call-list/", "/api/v1/dialer/dial-authorizations/", "/api/v1/dialer/events/",
                 "/api/v1/dnc/", "/api/v1/dispositions/", "/api/v1/integrations/vicidial/dispo/",
                 "/api/v1/cases/{case_id}/promises/", "/api/v1/dialer/calls/{external_call_id}/result/"):  # fmt: skip
        assert path in text


@pytest.fixture
def wsgi_keeps_the_test_connection() -> Iterator[None]:
    """As Django's test client does: a request through the WSGI app must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db: None, wsgi_keeps_the_test_connection: None) -> Any:
    presets_ensure()
    for priority in range(3):
        open_case_debt(priority=priority)
    _integration, token = integration_create(name="fuzzer", mappings=VICIDIAL_MAPPINGS)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), headers={"Authorization": f"Token {token}"}
    )
    schema.config.headers = {"Authorization": f"Token {token}"}
    return schema.include(path_regex=DIALER_PATHS), token


def test_the_dialer_api_answers_within_its_schema_and_never_5xx(api_schema: tuple[Any, str]) -> None:
    # (schemathesis' pytest plugin does not run under this pytest; its strategies are driven directly.)
    schema, token = api_schema
    failures: dict[str, BaseException] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            if case.query and "token" in case.query:  # VICIdial's adapter: the token in the URL
                case.query["token"] = token
            case.call_and_validate(checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported
            failures[operation.label] = exc

    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
