"""Calls and their results, reported under the dialer's own call id.

Thin: the serializers check shapes; the services check the rules and raise ``DomainError``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    BAD_INPUT,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_REUSED,
    REFUSALS,
    DialerView,
    error,
)
from collections_app.api.dialer.examples import CALL_EXAMPLE
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.shapes import CALL_ID, request_integration
from collections_app.models import Integration
from collections_app.services.dialer.calls import CallReport, dialer_call_report
from collections_app.services.dialer.dispositions import DispositionResolver
from collections_app.services.dialer.names import agent_user_for
from collections_app.services.dialer.promises import PromiseTerms
from collections_app.services.dialer.results import CallResult, dialer_call_result
from config.errors import DomainError


def report_call(integration: Integration, external_call_id: str, data: dict[str, Any]) -> CallReport:
    return dialer_call_report(
        integration=integration,
        external_call_id=external_call_id,
        authorization_id=data["authorization_id"],
        started_at=data.get("started_at"),
        answered_at=data.get("answered_at"),
        ended_at=data.get("ended_at"),
        agent=agent_user_for(data.get("agent")),
        outcome=data.get("outcome"),
    )


def record_result(
    integration: Integration, external_call_id: str, data: dict[str, Any], resolver: DispositionResolver | None = None
) -> CallResult:
    promise = data.get("promise")
    return dialer_call_result(
        integration=integration,
        external_call_id=external_call_id,
        disposition=data["disposition"],
        talk_seconds=data["talk_seconds"],
        right_party=data["right_party"],
        conversation=data["conversation"],
        notes=data.get("notes", ""),
        recording_ref=data.get("recording_ref", ""),
        promise=PromiseTerms(amount=promise["amount"], date=promise["date"]) if promise else None,
        resolver=resolver,
    )


def _check_call_id(external_call_id: str) -> None:
    if not external_call_id or len(external_call_id) > 100:
        raise DomainError(
            _("A call id is 1 to 100 characters."), errors={"external_call_id": [_("1 to 100 characters.")]}
        )


class CallView(DialerView):
    @extend_schema(
        operation_id="dialer_call_report",
        summary="Create or update a call (idempotent by the dialer's call id)",
        description=(
            "Links the dialer's call id to the authorization it was dialed with; sending it again with the "
            "same values changes nothing (200), new times update it until the result is in. "
            "`outcome: not_dialed` releases the authorization instead."
        ),
        parameters=[CALL_ID],
        request=s.CallReportSerializer,
        responses={
            201: OpenApiResponse(s.CallSerializer, description="The call is new."),
            200: OpenApiResponse(s.CallSerializer, description="Known call, same or updated values."),
            400: BAD_INPUT,
            404: error("Unknown authorization, or another integration's.", code="authorization_not_found", message="No dial authorization with this id for this integration."),
            409: error(
                "Authorization expired before the call started, released, or used by another call.",
                code="authorization_expired",
                message="The authorization expired at 2026-04-07T14:02:00+00:00, before the call started: the call was not authorized.",
            ),
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "A call",
                value={
                    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
                    "started_at": "2026-04-07T14:00:05Z",
                    "answered_at": "2026-04-07T14:00:19Z",
                    "ended_at": "2026-04-07T14:03:40Z",
                    "agent": "agent1",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Not dialed",
                value={"authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10", "outcome": "not_dialed"},
                request_only=True,
            ),
            OpenApiExample("The call", value=CALL_EXAMPLE, response_only=True),
        ],
    )
    def put(self, request: Request, external_call_id: str) -> Response:
        _check_call_id(external_call_id)
        body = s.CallReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = report_call(request_integration(request), external_call_id, body.validated_data)
        code = status.HTTP_201_CREATED if report.created else status.HTTP_200_OK
        return Response(s.body(s.CallSerializer, report.authorization), status=code)


class CallResultView(DialerView):
    @extend_schema(
        operation_id="dialer_call_result",
        summary="Record a call's result",
        description=(
            "The disposition is the dialer's code (mapped for this integration) or ours. Its flags apply "
            "their side effects (do-not-call, dispute hold, cease...). The same result twice is one result "
            "(`duplicate: true`); a different one for the same call is refused (409). A promise goes through "
            "the promise rules: if they refuse it, nothing is written."
        ),
        parameters=[IDEMPOTENCY_KEY, CALL_ID],
        request=s.CallResultRequestSerializer,
        responses={
            201: OpenApiResponse(s.CallResultSerializer, description="Recorded."),
            200: OpenApiResponse(s.CallResultSerializer, description="Already recorded (duplicate)."),
            400: BAD_INPUT,
            404: error("No such call for this integration.", code="call_not_found", message="No call with this id: report it first (PUT /api/v1/dialer/calls/{id}/)."),
            409: error("Another result is recorded, or the call was not dialed.", code="result_conflict", message="A different result was already recorded for this call."),
            422: IDEMPOTENCY_REUSED,
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "A promise",
                value={
                    "disposition": "SALE",
                    "talk_seconds": 201,
                    "right_party": True,
                    "conversation": True,
                    "notes": "Will pay Friday",
                    "recording_ref": "rec/2026/04/07/7781.wav",
                    "promise": {"amount": "150.00", "date": "2026-04-10"},
                },
                request_only=True,
            ),
            OpenApiExample(
                "No answer",
                value={"disposition": "NA", "talk_seconds": 0, "right_party": False, "conversation": False},
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "external_call_id": "call-7781",
                    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
                    "attempt_id": 9120,
                    "case_id": 812,
                    "disposition": "rpc_promise",
                    "effects": ["promise_requested"],
                    "promise_id": 311,
                    "duplicate": False,
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Already recorded",
                value={
                    "external_call_id": "call-7781",
                    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
                    "attempt_id": 9120,
                    "case_id": 812,
                    "disposition": "rpc_promise",
                    "effects": ["promise_requested"],
                    "promise_id": 311,
                    "duplicate": True,
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, external_call_id: str) -> Response:
        _check_call_id(external_call_id)
        body = s.CallResultRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = record_result(request_integration(request), external_call_id, body.validated_data)
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(s.body(s.CallResultSerializer, result), status=code)
