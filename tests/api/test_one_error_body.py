"""One error body for the whole API, as a generated client reads it (issue 21, items 9 and 10): one
model, whose ``code`` is an enum of every code the server sends, so that no answer fails to parse."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView  # before config.api, as Django's URL loading has it

from config.api import PayloadTooLarge, ServerError, exception_handler
from config.errors import ErrorCode


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_the_error_body_is_one_model_whose_code_is_the_error_code_enum(components: dict[str, Any]) -> None:
    bodies = [name for name, c in components.items() if set(c.get("properties", {})) == {"message", "errors", "code"}]

    assert bodies == ["Error"]
    code = components["Error"]["properties"]["code"]
    assert code["allOf"] == [{"$ref": "#/components/schemas/ErrorCodeEnum"}]
    assert components["ErrorCodeEnum"]["enum"] == [c.value for c in ErrorCode]


def test_the_refusals_that_say_more_and_a_rejected_batch_item_carry_the_same_code_enum(components: dict[str, Any]) -> None:
    for name in ("DialAuthorizationRefused", "MessageRefused", "EventOutcome"):
        assert components[name]["properties"]["code"]["allOf"] == [{"$ref": "#/components/schemas/ErrorCodeEnum"}]


def _answer(exc: Exception) -> dict[str, Any]:
    request = APIRequestFactory().get("/api/v1/anything")
    response = exception_handler(exc, {"view": APIView(), "request": request})
    assert response is not None
    return dict(response.data)


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.ParseError(), exceptions.AuthenticationFailed(), exceptions.NotAuthenticated(),
        exceptions.PermissionDenied(), exceptions.NotFound(), exceptions.MethodNotAllowed("DELETE"),
        exceptions.NotAcceptable(), exceptions.UnsupportedMediaType("text/csv"), exceptions.Throttled(3),
        exceptions.ValidationError({"x": ["Wrong."]}), PayloadTooLarge(), ServerError(),
        exceptions.AuthenticationFailed("Invalid token.", code="token_invalid"),
    ],
    ids=lambda exc: type(exc).__name__,
)  # fmt: skip
def test_every_refusal_the_api_answers_carries_a_code_of_the_enum(exc: Exception) -> None:
    assert _answer(exc)["code"] in set(ErrorCode)


def test_an_exception_with_a_code_outside_the_enum_is_answered_error() -> None:
    body = _answer(exceptions.APIException("Something odd.", code="made_up"))

    assert body == {"message": "Something odd.", "errors": {}, "code": "error"}
