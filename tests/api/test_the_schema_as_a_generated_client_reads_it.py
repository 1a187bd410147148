"""What a vendor's generated client reads in the schema: every answer the server gives is declared
with its body, its headers and its own code, so that the generated client types it (issue 21)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from collections_app import roles
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def schema() -> dict:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


def _body_ref(operation: dict, code: str) -> str:
    return operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]


def test_the_compliance_check_declares_its_error_bodies_an_operation_id_and_a_summary(schema: dict) -> None:
    operation = schema["paths"]["/api/v1/compliance/check/"]["get"]

    assert operation["operationId"] == "compliance_check"
    assert operation["summary"]
    for code in ("400", "401", "403", "404", "429"):
        assert _body_ref(operation, code).endswith("Error"), code


@pytest.mark.django_db
def test_the_compliance_check_answers_its_404_with_the_declared_body() -> None:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=roles.SUPERVISOR)[0])
    client = APIClient()
    client.force_authenticate(user)

    response = client.get("/api/v1/compliance/check/", {"phone_id": 999999})

    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors", "code"}
    assert response.json()["code"] == "not_found"


def test_a_promise_the_rules_refuse_has_its_own_code_in_the_schema(schema: dict) -> None:
    refusal = schema["paths"]["/api/v1/cases/{case_id}/promises/"]["post"]["responses"]["400"]
    examples = refusal["content"]["application/json"]["examples"]

    codes = {example["value"]["code"] for example in examples.values()}
    assert codes == {"promise_refused", "invalid"}
    assert "promise_refused" in refusal["description"]


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_401_declares_www_authenticate_and_every_429_retry_after(schema: dict) -> None:
    missing = []
    for name, operation in _operations(schema):
        for code, header in (("401", "WWW-Authenticate"), ("429", "Retry-After")):
            response = operation["responses"].get(code)
            if response is not None and header not in response.get("headers", {}):
                missing.append(f"{name} {code}")
    assert not missing, missing


def test_the_answers_of_an_idempotent_post_declare_idempotent_replayed(schema: dict) -> None:
    idempotent = {
        name: operation
        for name, operation in _operations(schema)
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert "POST /api/v1/dialer/dial-authorizations/" in idempotent

    for name, operation in idempotent.items():
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, name
        for code in success:
            assert "Idempotent-Replayed" in operation["responses"][code].get("headers", {}), (name, code)
        assert "Idempotent-Replayed" not in operation["responses"]["422"].get("headers", {})


@pytest.mark.django_db
def test_the_declared_headers_are_the_ones_sent() -> None:
    response = APIClient().get("/api/v1/dialer/call-list/", HTTP_AUTHORIZATION="Token wrong")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_duplicate_call_result_example_says_duplicate(schema: dict) -> None:
    responses = schema["paths"]["/api/v1/dialer/calls/{external_call_id}/result/"]["post"]["responses"]

    def duplicates(code: str) -> set[bool]:
        return {e["value"]["duplicate"] for e in responses[code]["content"]["application/json"]["examples"].values()}

    assert duplicates("200") == {True}
    assert duplicates("201") == {False}


def test_request_bodies_are_named_request_once(schema: dict) -> None:
    names = list(schema["components"]["schemas"])

    assert not [name for name in names if name.endswith("RequestRequest")]
    assert "DialAuthorizationRequest" in names


def test_the_readme_names_the_posts_that_take_an_idempotency_key(schema: dict) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post is None or not any(p.get("name") == "Idempotency-Key" for p in post.get("parameters", [])):
            continue
        named = path.removeprefix("/api/v1/").replace("{case_id}", "{id}").replace("{external_call_id}", "{id}")
        named = named.replace("{authorization_id}", "{id}")
        assert f"`{named}`" in readme, path
    assert "Every POST accepts" not in readme


def test_an_object_s_id_in_a_path_is_an_integer(schema: dict) -> None:
    kinds = {
        (path, parameter["name"]): parameter["schema"].get("type")
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] in ("complaint_id", "message_id", "review_id", "dispute_id")
    }
    assert len(kinds) == 5 and set(kinds.values()) == {"integer"}, kinds


@pytest.mark.django_db
def test_an_id_that_is_no_integer_is_still_the_json_404() -> None:
    response = APIClient().get("/api/v1/messages/abc/", HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401  # the credential first
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=roles.SUPERVISOR)[0])
    client = APIClient()
    client.force_authenticate(user)
    answer = client.get("/api/v1/messages/abc/")
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
