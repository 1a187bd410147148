"""The dialer endpoints: call list, dial authorizations, calls and their results, batches, dispositions.

Thin: the serializers check shapes; the services (``collections_app.services.dialer``) check the
rules and raise ``DomainError``, answered as ``{"message", "errors", "code"}``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts.models import Phone
from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    BAD_INPUT,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_REUSED,
    REFUSALS,
    DialerView,
    error,
)
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.permissions import integration_of
from collections_app.models import Case, DialAuthorization, DispositionCode, Integration
from collections_app.selectors.dialer import CallListCursor, call_list
from collections_app.services.calls import MAX_NOTES, MAX_RECORDING_REF, MAX_TALK_SECONDS
from collections_app.services.dialer import (
    CallReport,
    DispositionResolver,
    PromiseTerms,
    agent_user_for,
    dial_authorization_release,
    dial_authorize,
    dialer_call_report,
    dialer_call_result,
)
from collections_app.services.dialer_batch import Event, events_apply
from config.api import _flatten
from config.errors import DomainError


def _integration(request: Request) -> Integration:
    integration = integration_of(request)
    assert integration is not None  # DialerScope let only integrations in
    return integration


def _iso(value: Any) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


AUTHORIZATION_ID = OpenApiParameter("authorization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CALL_ID = OpenApiParameter(
    "external_call_id", str, OpenApiParameter.PATH, description="The dialer's call id (1 to 100 characters)."
)


def _after_this(left: int | None) -> int | None:
    """The headroom the engine saw, less the attempt just reserved."""
    return max(left - 1, 0) if left is not None else None


# --- Call list ---------------------------------------------------------------------------------------

CALL_ROW_EXAMPLE = {
    "case_id": 812,
    "account_external_id": "L000812",
    "phone_id": 1530,
    "number": "+12125550100",
    "timezone": "America/New_York",
    "zones": ["America/New_York"],
    "window_closes_at": "2026-04-08T01:00:00Z",
    "attempts_left_today": None,
    "attempts_left_week": 5,
    "agent": "agent1",
    "priority": 20,
    "dpd": 45,
    "bucket": "M2",
    "overdue_amount": "440.00",
    "currency": "USD",
    "vendor_lead_code": "812-1530",
}


class CallListView(DialerView):
    @extend_schema(
        operation_id="dialer_call_list",
        summary="Numbers callable now, by priority",
        description=(
            "Open cases by priority (high first), then days past due (high first), then case id; every "
            "number of the borrower the compliance engine allows now. The cursor is a keyset position, "
            "not an offset: rows added or removed meanwhile do not shift the rest. A page may hold fewer "
            "rows than the limit (even none) while `next` is set: keep following it until it is null."
        ),
        parameters=[s.CallListQuerySerializer],
        responses={
            200: s.CallListPageSerializer,
            400: BAD_INPUT,
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "at": "2026-04-07T14:00:00Z",
                    "results": [CALL_ROW_EXAMPLE],
                    "next_cursor": "WzIwLDQ1LDgxMiwxNTMwXQ",
                    "next": "https://workbench.example/api/v1/dialer/call-list/?cursor=WzIwLDQ1LDgxMiwxNTMwXQ",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = s.CallListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        cursor = CallListCursor.decode(params["cursor"]) if params.get("cursor") else None
        at = timezone.now()
        page = call_list(
            at=at, limit=params["limit"], cursor=cursor, team=params.get("team"), bucket=params.get("bucket")
        )
        results = [
            {
                "case_id": row.case.pk,
                "account_external_id": row.case.account.external_id,
                "phone_id": row.phone.pk,
                "number": row.phone.number,
                "timezone": row.case.account.borrower.timezone,
                "zones": row.decision.zones,
                "window_closes_at": _iso(row.decision.window_closes_at),
                "attempts_left_today": row.decision.attempts_left_today,
                "attempts_left_week": row.decision.attempts_left_week,
                "agent": row.case.agent_username,  # type: ignore[attr-defined]
                "priority": row.case.priority,
                "dpd": row.case.dpd,
                "bucket": row.case.bucket,
                "overdue_amount": f"{row.case.overdue_amount:.2f}",
                "currency": row.case.account.currency,
                "vendor_lead_code": f"{row.case.pk}-{row.phone.pk}",
            }
            for row in page.rows
        ]
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return Response(
            {
                "at": _iso(at),
                "results": results,
                "next_cursor": next_cursor,
                "next": replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
                if next_cursor
                else None,
            }
        )


# --- Dial authorizations -----------------------------------------------------------------------------

REFUSED_EXAMPLE = {
    "message": "The engine does not allow this call now.",
    "errors": {},
    "code": "not_allowed",
    "allowed": False,
    "reasons": [{"code": "weekly_cap", "message": "7 attempts on this debt in the last 7 days: the cap is 7."}],
    "next_allowed_at": "2026-04-09T13:00:00Z",
}


class DialAuthorizationView(DialerView):
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
        integration = _integration(request)
        body = s.DialAuthorizationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        phone = Phone.objects.select_related("borrower").filter(pk=data["phone_id"]).first()
        if phone is None:
            raise DomainError(
                _("No phone with this id."),
                code="not_found",
                status=404,
                errors={"phone_id": [_("No phone %(id)s.") % {"id": data["phone_id"]}]},
            )
        case = None
        if data.get("case_id"):
            case = Case.objects.select_related("account").filter(pk=data["case_id"]).first()
            if case is None:
                raise DomainError(
                    _("No case with this id."),
                    code="not_found",
                    status=404,
                    errors={"case_id": [_("No case %(id)s.") % {"id": data["case_id"]}]},
                )
        decision, authorization = dial_authorize(
            integration=integration, phone=phone, case=case, agent=agent_user_for(data.get("agent"))
        )
        if authorization is None:
            return Response(
                {
                    "message": _("The engine does not allow this call now."),
                    "errors": {},
                    "code": "not_allowed",
                    "allowed": False,
                    "reasons": [reason.as_json() for reason in decision.reasons],
                    "next_allowed_at": _iso(decision.next_allowed_at),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            {
                "allowed": True,
                "authorization_id": str(authorization.pk),
                "expires_at": _iso(authorization.expires_at),
                "attempt_id": authorization.attempt_id,
                "case_id": authorization.attempt.case_id,
                "attempts_left_today": _after_this(decision.attempts_left_today),
                "attempts_left_week": _after_this(decision.attempts_left_week),
                "window_closes_at": _iso(decision.window_closes_at),
            },
            status=status.HTTP_201_CREATED,
        )


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
            integration=_integration(request), authorization_id=authorization_uuid(authorization_id)
        )
        return Response({"authorization_id": str(authorization.pk), "status": authorization.attempt.status})


# --- Calls and results -------------------------------------------------------------------------------


def call_body(authorization: DialAuthorization) -> dict[str, Any]:
    attempt = authorization.attempt
    return {
        "external_call_id": authorization.external_call_id,
        "authorization_id": str(authorization.pk),
        "attempt_id": attempt.pk,
        "case_id": attempt.case_id,
        "status": attempt.status,
        "started_at": _iso(authorization.call_started_at),
        "answered_at": _iso(attempt.answered_at),
        "ended_at": _iso(attempt.ended_at),
        "agent": attempt.agent.get_username() if attempt.agent_id and attempt.agent else None,
    }


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
) -> Any:
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


def authorization_uuid(value: Any) -> uuid.UUID:
    """An authorization id from a path or a body; not a UUID is as unknown as any other."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise DomainError(
            _("No dial authorization with this id for this integration."),
            code="authorization_not_found",
            status=404,
            errors={"authorization_id": [_("Unknown authorization.")]},
        ) from exc


def _check_call_id(external_call_id: str) -> None:
    if not external_call_id or len(external_call_id) > 100:
        raise DomainError(
            _("A call id is 1 to 100 characters."), errors={"external_call_id": [_("1 to 100 characters.")]}
        )


CALL_EXAMPLE = {
    "external_call_id": "call-7781",
    "authorization_id": "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10",
    "attempt_id": 9120,
    "case_id": 812,
    "status": "reserved",
    "started_at": "2026-04-07T14:00:05Z",
    "answered_at": "2026-04-07T14:00:19Z",
    "ended_at": "2026-04-07T14:03:40Z",
    "agent": "agent1",
}


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
        report = report_call(_integration(request), external_call_id, body.validated_data)
        code = status.HTTP_201_CREATED if report.created else status.HTTP_200_OK
        return Response(call_body(report.authorization), status=code)


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
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, external_call_id: str) -> Response:
        _check_call_id(external_call_id)
        body = s.CallResultRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = record_result(_integration(request), external_call_id, body.validated_data)
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(result.as_json(), status=code)


# --- Batches -----------------------------------------------------------------------------------------


class _EventParser:
    """Checks the shape of a batch's items with one instance of each serializer for the whole batch
    (a serializer copies its fields when made: 2,000 of them cost more than the events' work)."""

    def __init__(self) -> None:
        self.head = s.EventSerializer(partial=True)
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
    parsed = parse_datetime(value) if isinstance(value, str) and value == value.strip() else None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(value)
    return parsed.astimezone(timezone.get_current_timezone())


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
        integration = _integration(request)
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


# --- Dispositions ------------------------------------------------------------------------------------


class DispositionListView(DialerView):
    @extend_schema(
        operation_id="dispositions",
        summary="Our disposition codes, their flags, and this integration's mappings",
        responses={200: s.DispositionListSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Codes and mappings",
                value={
                    "results": [
                        {
                            "code": "no_answer", "label": "No answer", "category": "no_contact",
                            "conversation": False, "not_connected": False, "creates_promise": False,
                            "number_uncallable": False, "do_not_call": False, "dispute": False, "callback": False,
                            "cease": False, "deceased": False, "bankruptcy": False, "attorney": False,
                        }
                    ],
                    "mappings": [{"external_code": "NA", "code": "no_answer"}],
                },
                response_only=True,
            )
        ],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        integration = _integration(request)
        codes = DispositionCode.objects.filter(is_active=True)
        mappings = integration.mappings.select_related("disposition").order_by("external_code")
        return Response(
            {
                "results": s.DispositionSerializer(codes, many=True).data,
                "mappings": [{"external_code": m.external_code, "code": m.disposition.code} for m in mappings],
            }
        )
