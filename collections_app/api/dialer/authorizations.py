"""Dial authorizations: ask before a dial (the attempt is reserved), or release one not dialed.

Thin: the serializers check shapes; the services check the rules and raise ``DomainError``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.auth import IntegrationTokenAuthentication, dial_read_of
from collections_app.api.dialer.base import (
    BAD_INPUT,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_REUSED,
    REFUSALS,
    DialerView,
    error,
)
from collections_app.api.dialer.examples import REFUSED_EXAMPLE
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.shapes import (
    AUTHORIZATION_ID,
    authorization_uuid,
    iso_instant,
    request_integration,
)
from collections_app.models import DialAuthorization
from collections_app.services.dialer.authorizations import dial_authorization_release, dial_authorize
from scheduling.engine import Decision


def _plain_id(value: Any) -> bool:
    return type(value) is int and 0 < value < 2**63


def request_fields(data: Any) -> dict[str, Any]:
    """The body as ``DialAuthorizationRequestSerializer`` validates it. What dialers send, plain ids
    and no agent, is taken as it is (the serializer would make the same of it, at the cost of a
    copy of its fields per request); any other body goes through the serializer, errors and all."""
    if isinstance(data, dict) and data.get("agent") is None and _plain_id(data.get("phone_id")):
        case_id = data.get("case_id")
        if case_id is None or _plain_id(case_id):
            return {"phone_id": data["phone_id"], "case_id": case_id, "agent": None}
    body = s.DialAuthorizationRequestSerializer(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def granted_body(authorization: DialAuthorization, decision: Decision) -> dict[str, Any]:
    """``DialAuthorizationGrantedSerializer``'s body (the schema's), written directly as the call
    list writes its rows: on the path of every dial, the serializer's field machinery cost more
    than the body is worth. A test compares the two."""
    left_today, left_week = decision.attempts_left_today, decision.attempts_left_week
    return {
        "allowed": decision.allowed,
        "authorization_id": str(authorization.pk),
        "expires_at": iso_instant(authorization.expires_at),
        "attempt_id": authorization.attempt_id,
        "case_id": authorization.attempt.case_id,
        "attempts_left_today": None if left_today is None else max(left_today - 1, 0),
        "attempts_left_week": None if left_week is None else max(left_week - 1, 0),
        "window_closes_at": iso_instant(decision.window_closes_at),
    }


class DialAuthorizationView(DialerView):
    def get_authenticators(self) -> list[Any]:
        """The token with the phone, the case and the borrower's accounts in one read; then sessions."""
        return [IntegrationTokenAuthentication(with_dial_read=True), SessionAuthentication()]

    @extend_schema(
        operation_id="dialer_authorize",
        summary="Ask before a dial (reserves the attempt)",
        description=(
            "The compliance engine's decision, and when allowed the attempt is reserved at once (it counts "
            "from now, under a per-debt lock: two dialers asking for the last attempt get one yes and one "
            "no). The call must start before `expires_at` (default 2 minutes); an authorization not used "
            "still counts unless released as not dialed."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.DialAuthorizationRequestSerializer,
        responses={
            201: s.DialAuthorizationGrantedSerializer,
            409: OpenApiResponse(s.DialAuthorizationRefusedSerializer, description="Not allowed now: why and when."),
            400: BAD_INPUT,
            404: error(
                "No phone (or case) with this id.",
                code="not_found",
                message="No phone with this id.",
                errors={"phone_id": ["No phone 99."]},
            ),
            422: IDEMPOTENCY_REUSED,
            **REFUSALS,
        },
        examples=[
            OpenApiExample("Ask for a number", value={"phone_id": 1530, "case_id": 812, "agent": "agent1"}, request_only=True),
            OpenApiExample(
                "Allowed",
                value={
                    "allowed": True,
                    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
                    "expires_at": "2026-04-07T14:02:00Z",
                    "attempt_id": 9120,
                    "case_id": 812,
                    "attempts_left_today": None,
                    "attempts_left_week": 4,
                    "window_closes_at": "2026-04-08T01:00:00Z",
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample("Refused", value=REFUSED_EXAMPLE, response_only=True, status_codes=["409"]),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        integration = request_integration(request)
        data = request_fields(request.data)
        decision, authorization = dial_authorize(
            integration=integration,
            phone_id=data["phone_id"],
            case_id=data.get("case_id"),
            agent=data.get("agent"),
            read=dial_read_of(request),
        )
        if authorization is None:
            refused = {
                "message": _("The engine does not allow this call now."),
                "errors": {},
                "code": "not_allowed",
                "decision": decision,
            }
            return Response(s.body(s.DialAuthorizationRefusedSerializer, refused), status=status.HTTP_409_CONFLICT)
        return Response(granted_body(authorization, decision), status=status.HTTP_201_CREATED)


class DialAuthorizationReleaseView(DialerView):
    @extend_schema(
        operation_id="dialer_authorization_release",
        summary="Release an authorization: not dialed",
        description="The attempt stops counting. Idempotent; refused (409) once a call was reported with it.",
        parameters=[IDEMPOTENCY_KEY, AUTHORIZATION_ID],
        request=None,
        responses={
            200: s.DialAuthorizationReleasedSerializer,
            400: error("A malformed Idempotency-Key.", code="invalid", message="The Idempotency-Key header must be 1 to 255 characters."),
            404: error("Unknown, or another integration's.", code="authorization_not_found", message="No dial authorization with this id for this integration."),
            409: error("A call was reported with it.", code="authorization_used", message="A call was reported with this authorization: it was dialed and cannot be released."),
            422: IDEMPOTENCY_REUSED,
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "Released",
                value={"authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10", "status": "not_dialed"},
                response_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request, authorization_id: str) -> Response:
        authorization = dial_authorization_release(
            integration=request_integration(request), authorization_id=authorization_uuid(authorization_id)
        )
        return Response(s.body(s.DialAuthorizationReleasedSerializer, authorization))
