"""A service's refusal reaches the wire with the HTTP status of its code, and only the handler knows it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView  # before config.api, as Django's URL loading has it

from config.api import HTTP_STATUS, exception_handler
from config.errors import DomainError, ErrorCode


def test_every_error_code_has_an_http_status():
    assert set(HTTP_STATUS) == set(ErrorCode)


@pytest.mark.parametrize(
    ("code", "status"),
    [(ErrorCode.INVALID, 400), (ErrorCode.NOT_AUTHORIZED, 403), (ErrorCode.NOT_FOUND, 404), (ErrorCode.CONFLICT, 409), (ErrorCode.NO_DEBT, 422)],
)
def test_the_handler_answers_a_refusal_with_its_codes_status_and_the_error_body(code, status):
    request = APIRequestFactory().post("/api/v1/anything")
    refusal = DomainError("Refused.", code=code, errors={"field": ["Wrong."]}, extra={"reasons": []})

    response = exception_handler(refusal, {"view": APIView(), "request": request})

    assert response is not None
    assert response.status_code == status
    assert response.data == {"message": "Refused.", "errors": {"field": ["Wrong."]}, "code": code.value, "reasons": []}
    assert type(response.data["code"]) is str


def test_a_code_outside_the_enum_is_refused_where_it_is_raised():
    with pytest.raises(ValueError, match="made_up"):
        DomainError("Refused.", code="made_up")
