"""The dial authorization's body read and written without its serializers, as they would read and write it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import views  # noqa: F401 - before config.api, which DRF's views import back (a cycle otherwise)

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.authorizations import granted_body, request_fields
from collections_app.models import DialAuthorization
from scheduling.engine import decision_from_json
from tests.api.conftest import CaseDebt, Clock, Dialer, authorize

URL = "/api/v1/dialer/dial-authorizations/"
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=2**63 - 2, max_value=2**63 + 2),
    st.integers(min_value=10**1000, max_value=10**1000 + 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "7", " 7", "agent1", " agent1 ", "x" * 151, "a\x00b"]),
    st.lists(st.integers(), max_size=2),
)
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(["phone_id", "case_id", "agent", "other"]), VALUES),
    VALUES,
)


def _serializer_says(data: Any) -> dict[str, Any] | dict[str, list[str]]:
    body = s.DialAuthorizationRequestSerializer(data=data)
    if body.is_valid():
        return {**{"case_id": None, "agent": None}, **body.validated_data}
    return {"errors": body.errors}


def _read_says(data: Any) -> dict[str, Any] | dict[str, list[str]]:
    try:
        return {**{"case_id": None, "agent": None}, **request_fields(data)}
    except s.serializers.ValidationError as exc:
        return {"errors": exc.detail}


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_any_body_is_read_as_the_serializer_reads_it_or_refused_with_its_errors(data: Any) -> None:
    assert _read_says(data) == _serializer_says(data)


@pytest.mark.django_db
@pytest.mark.parametrize("with_case", [True, False])
def test_a_granted_body_is_the_serializers(dialer: Dialer, debt: CaseDebt, clock: Clock, with_case: bool) -> None:
    # Given an authorization granted (with the case named, or left to the engine)
    body = {"case_id": debt.case.pk} if with_case else {}
    response = authorize(dialer, debt.phone, **body)
    assert response.status_code == 201
    authorization = DialAuthorization.objects.select_related("attempt").get(pk=response.json()["authorization_id"])
    decision = authorization.attempt.decision

    # Then the body written is the one the serializer of the schema writes
    made = decision_from_json(decision, policy=authorization.attempt.policy)
    expected = s.body(s.DialAuthorizationGrantedSerializer, {"authorization": authorization, "decision": made})
    assert granted_body(authorization, made) == expected
    assert response.json() == expected
