"""The API against its own OpenAPI schema: the schema validates, and schemathesis (bounded examples,
in-process through WSGI) finds no 5xx and no answer outside the schema with each kind of caller: a
dialer's token on the dialer contract, the core lending system's token and a supervisor's session on
the whole API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collections_app import roles
from collections_app.models import Integration
from collections_app.services.integrations import VICIDIAL_MAPPINGS, integration_create
from scheduling.presets import presets_ensure
from tests.api.conftest import open_case_debt
from tests.factories import UserFactory

# The dialer contract (DESIGN.md section 10): the endpoints this API serves to integrations.
DIALER_PATHS = r"^/api/v1/(dialer/|dnc/|dispositions/|integrations/|compliance/check/|cases/\{case_id\}/promises/)"
EVERY_PATH = r"^/api/v1/"
# A session's unsafe requests carry the CSRF token, as the workbench's own pages send it.
CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"
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


Credentials = tuple[dict[str, str], dict[str, str], str]  # headers, cookies, the token


def _dialer_token() -> Credentials:
    _integration, token = integration_create(name="fuzzer", mappings=VICIDIAL_MAPPINGS)
    return {"Authorization": f"Token {token}"}, {}, token


def _core_system_token() -> Credentials:
    _integration, token = integration_create(name="core-fuzzer", kind=Integration.Kind.CORE_SYSTEM)
    return {"Authorization": f"Token {token}"}, {}, token


def _supervisor_session() -> Credentials:
    roles.roles_ensure()
    user = UserFactory(username="fuzz-supervisor", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    return {"X-CSRFToken": CSRF_SECRET}, {"sessionid": session, "csrftoken": CSRF_SECRET}, ""


CALLERS = {
    "dialer token": (_dialer_token, DIALER_PATHS),
    "core system token": (_core_system_token, EVERY_PATH),
    "supervisor session": (_supervisor_session, EVERY_PATH),
}


@pytest.fixture(params=list(CALLERS))
def api_schema(request: pytest.FixtureRequest, db: None, wsgi_keeps_the_test_connection: None) -> Any:
    presets_ensure()
    for priority in range(3):
        open_case_debt(priority=priority)
    credentials, paths = CALLERS[request.param]
    headers, cookies, token = credentials()
    # The schema is for callers with credentials: fetched as this caller, then fuzzed through WSGI.
    fetcher = Client(headers=headers)
    for name, value in cookies.items():
        fetcher.cookies[name] = value
    answer = fetcher.get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200, answer.content[:200]
    # Django's test client connects close_old_connections again after its request: undo it, or the
    # fuzzed requests would close the test's connection (on PostgreSQL: "the connection is closed").
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_dict(answer.json())
    schema.app = get_wsgi_application()
    schema.config.headers = headers
    return schema.include(path_regex=paths), cookies, token


def test_the_api_answers_within_its_schema_and_never_5xx(api_schema: tuple[Any, dict[str, str], str]) -> None:
    # (schemathesis' pytest plugin does not run under this pytest; its strategies are driven directly.)
    schema, cookies, token = api_schema
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
            if case.query and "token" in case.query and token:  # VICIdial's adapter: the token in the URL
                case.query["token"] = token
            case.call_and_validate(checks=CHECKS, cookies=cookies)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures are reported
            failures[operation.label] = exc

    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(
        f"{label}: {problem}" for label, exc in failures.items() for problem in _problems(exc)
    )


def _problems(exc: BaseException) -> list[str]:
    """One line per distinct problem (schemathesis groups them), with the request that showed it."""
    found = list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]
    lines = []
    for problem in found:
        text = str(problem).strip().splitlines()
        lines.append(" / ".join(line.strip() for line in text[:3] if line.strip()))
    return lines
