"""Batches of calls and results for high-volume dialers, each item answered on its own.

Thin: the serializers check shapes; the services check the rules and raise ``DomainError``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    BAD_INPUT,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_REUSED,
    REFUSALS,
    DialerView,
)
from collections_app.api.dialer.calls import record_result, report_call
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.shapes import request_integration
from collections_app.models import Integration
from collections_app.services.calls import MAX_NOTES, MAX_RECORDING_REF, MAX_TALK_SECONDS
from collections_app.services.dialer.dispositions import DispositionResolver
from collections_app.services.dialer_batch import Event, events_apply
from config.api import _flatten
from config.errors import DomainError
from config.instants import instant_parse


class _EventParser:
    """Checks the shape of a batch's items with one instance of each serializer for the whole batch
    (a serializer copies its fields when made: 2,000 of them cost more than the events' work)."""

    def __init__(self) -> None:
        self.head = s.EventHeadSerializer(partial=True)
        self.bodies = {"call": s.CallReportSerializer(), "result": s.CallResultRequestSerializer()}

    def __call__(self, raw: Any) -> Event:
        """One item; raises ``ValidationError`` for a bad one."""
        if not isinstance(raw, dict):
            raise drf_serializers.ValidationError({"__all__": [_("An event is an object.")]})
        kind = raw.get("type")
        call_id = raw.get("external_call_id")
        self.head.run_validation({"type": kind, "external_call_id": call_id})
        if kind not in ("call", "result") or not isinstance(call_id, str) or not call_id:
            raise drf_serializers.ValidationError({"type": [_("call or result, with an external_call_id.")]})
        fields = {key: value for key, value in raw.items() if key not in ("type", "external_call_id")}
        plain = _plain_call(fields) if kind == "call" else _plain_result(fields)
        if plain is not None:
            return Event(kind=kind, call_id=call_id, data=plain)
        return Event(kind=kind, call_id=call_id, data=dict(self.bodies[kind].run_validation(fields)))


# The items a dialer sends by the thousand have a plain shape; checking it directly is ten times
# cheaper than the serializers, which still check (and word the errors of) everything else. Each
# accepts less than its serializer and gives what the serializer would give.


def _plain_text(value: Any, limit: int, *, blank: bool = True) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= limit
        and (blank or value != "")
        and value == value.strip()
        and "\x00" not in value
    )


def _plain_instant(value: Any) -> dt.datetime | None:
    return instant_parse(value).astimezone(timezone.get_current_timezone())  # ValueError when not an instant


def _plain_call(fields: dict[str, Any]) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = {"authorization_id": uuid.UUID(fields["authorization_id"])}
        for name in ("started_at", "answered_at", "ended_at"):
            if name in fields:
                data[name] = None if fields[name] is None else _plain_instant(fields[name])
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    if fields.get("outcome") is not None:
        return None
    if "outcome" in fields:
        data["outcome"] = None
    if "agent" in fields:
        if fields["agent"] is not None and not _plain_text(fields["agent"], 150):
            return None
        data["agent"] = fields["agent"]
    return data


def _plain_result(fields: dict[str, Any]) -> dict[str, Any] | None:
    talk = fields.get("talk_seconds")
    notes, recording = fields.get("notes", ""), fields.get("recording_ref", "")
    if not (
        _plain_text(fields.get("disposition"), 32, blank=False)
        and type(talk) is int
        and 0 <= talk <= MAX_TALK_SECONDS
        and type(fields.get("right_party")) is bool
        and type(fields.get("conversation")) is bool
        and _plain_text(notes, MAX_NOTES)
        and _plain_text(recording, MAX_RECORDING_REF)
        and fields.get("promise") is None
    ):
        return None
    data = {
        "disposition": fields["disposition"],
        "talk_seconds": talk,
        "right_party": fields["right_party"],
        "conversation": fields["conversation"],
        "notes": notes,
        "recording_ref": recording,
    }
    if "promise" in fields:
        data["promise"] = None
    return data


def _event_single(integration: Integration, event: Event, resolver: DispositionResolver) -> bool:
    """One event through the single endpoint's service (in its own savepoint); whether it was a duplicate."""
    with transaction.atomic():
        if event.kind == "call":
            report = report_call(integration, event.call_id, event.data)
            return not (report.created or report.changed)
        return bool(record_result(integration, event.call_id, event.data, resolver).duplicate)


def _rejection(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"status": "rejected", "code": exc.code, "message": exc.message, "errors": exc.errors}
    if isinstance(exc, drf_serializers.ValidationError):
        return {"status": "rejected", "code": "invalid", "message": _("Invalid event."), "errors": _flatten(exc.detail)}
    return {
        "status": "rejected",
        "code": "conflict",
        "message": _("The event conflicts with what is recorded."),
        "errors": {},
    }


class EventBatchView(DialerView):
    @extend_schema(
        operation_id="dialer_events",
        summary="A batch of calls and results (up to 1,000)",
        description=(
            "Each item is a call (the body of PUT dialer/calls/{id}/) or a result (the body of POST "
            "dialer/calls/{id}/result/), with `type` and `external_call_id`. Items are applied in order, "
            "each on its own: accepted, duplicate (already recorded, nothing changed) or rejected with the "
            "reason; a bad item does not sink the others. Send a call before its result."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.EventBatchDocSerializer,
        responses={200: s.EventBatchResultSerializer, 400: BAD_INPUT, 422: IDEMPOTENCY_REUSED, **REFUSALS},
        examples=[
            OpenApiExample(
                "A call and its result",
                value={
                    "events": [
                        {
                            "type": "call",
                            "external_call_id": "call-7781",
                            "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
                            "started_at": "2026-04-07T14:00:05Z",
                            "ended_at": "2026-04-07T14:00:35Z",
                        },
                        {
                            "type": "result",
                            "external_call_id": "call-7781",
                            "disposition": "NA",
                            "talk_seconds": 0,
                            "right_party": False,
                            "conversation": False,
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "Item by item",
                value={
                    "accepted": 1,
                    "duplicates": 0,
                    "rejected": 1,
                    "results": [
                        {"index": 0, "type": "call", "external_call_id": "call-7781", "status": "accepted"},
                        {
                            "index": 1,
                            "type": "result",
                            "external_call_id": "call-7782",
                            "status": "rejected",
                            "code": "call_not_found",
                            "message": "No call with this id: report it first (PUT /api/v1/dialer/calls/{id}/).",
                            "errors": {},
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        batch = s.EventBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        integration = request_integration(request)
        resolver = DispositionResolver(integration)
        outcomes: list[dict[str, Any]] = []
        events: list[Event] = []
        positions: list[int] = []
        parse = _EventParser()
        for index, raw in enumerate(batch.validated_data["events"]):
            kind = raw.get("type") if isinstance(raw, dict) else None
            call_id = raw.get("external_call_id") if isinstance(raw, dict) else None
            outcomes.append(
                {
                    "index": index,
                    "type": kind if isinstance(kind, str) else None,
                    "external_call_id": call_id if isinstance(call_id, str) else None,
                }
            )
            try:
                events.append(parse(raw))
                positions.append(index)
            except drf_serializers.ValidationError as exc:
                outcomes[index] |= _rejection(exc)

        def answer(position: int, apply: Callable[[], bool]) -> None:
            item = outcomes[positions[position]]
            try:
                item["status"] = "duplicate" if apply() else "accepted"
            except (DomainError, drf_serializers.ValidationError, IntegrityError) as exc:
                item |= _rejection(exc)

        events_apply(
            integration=integration,
            resolver=resolver,
            events=events,
            single=lambda event: _event_single(integration, event, resolver),
            answer=answer,
        )
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for item in outcomes:
            counts[item["status"]] += 1
        return Response(
            {
                "accepted": counts["accepted"],
                "duplicates": counts["duplicate"],
                "rejected": counts["rejected"],
                "results": outcomes,
            }
        )
