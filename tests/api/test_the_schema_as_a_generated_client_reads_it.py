"""What a vendor's generated client reads in the schema: every answer the server gives is declared
with its body, its headers and its own code, so that the generated client types it (issue 21)."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

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
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))

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
