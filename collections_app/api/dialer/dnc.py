"""``POST /api/v1/dnc/`` (record a do-not-call number or a cease request) and ``GET`` (the change feed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts.models import Borrower, Phone
from accounts.services.phones import PhoneNumberInvalid, phone_normalise
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
from collections_app.api.dialer.permissions import TokenScope, integration_of
from collections_app.models import DncEntry
from collections_app.models.integrations import SCOPE_DNC
from collections_app.services.dnc import FeedCursor, dnc_cease_record, dnc_feed, dnc_number_record
from config.errors import DomainError

ENTRY_EXAMPLE = {
    "id": 41,
    "type": "do_not_call",
    "number": "+12125550100",
    "email": "",
    "borrower_id": 12,
    "borrower_external_id": "B1",
    "active": True,
    "reason": "Asked on the phone",
    "source": "api",
    "requested_at": "2026-04-07T14:03:00Z",
    "created_at": "2026-04-07T14:03:02Z",
    "updated_at": "2026-04-07T14:03:02Z",
}


def _number(data: dict[str, Any]) -> str:
    if data.get("phone_id"):
        phone = Phone.objects.filter(pk=data["phone_id"]).first()
        if phone is None:
            raise DomainError(_("No phone with this id."), code="not_found", errors={"phone_id": [_("Unknown phone.")]})
        return phone.number
    raw = data.get("number")
    if not raw:
        raise DomainError(_("Which number?"), errors={"number": [_("Give number or phone_id.")]})
    try:
        return phone_normalise(number=raw, country="").e164
    except PhoneNumberInvalid as exc:
        raise DomainError(_("The number is not valid."), errors={"number": [str(exc), _("Use E.164 (+ and the country code).")]}) from exc


def _borrower(data: dict[str, Any]) -> Borrower:
    if data.get("borrower_id"):
        field, borrower = "borrower_id", Borrower.objects.filter(pk=data["borrower_id"]).first()
    elif data.get("borrower_external_id"):
        field = "borrower_external_id"
        borrower = Borrower.objects.filter(external_id=data["borrower_external_id"]).first()
    else:
        raise DomainError(_("Which borrower?"), errors={"borrower_id": [_("Give borrower_id or borrower_external_id.")]})
    if borrower is None:  # named by the field the caller sent
        raise DomainError(_("No such borrower."), code="not_found", errors={field: [_("Unknown borrower.")]})
    return borrower


class DncView(DialerView):
    permission_classes = [TokenScope]
    required_scope = SCOPE_DNC

    @extend_schema(
        operation_id="dnc_feed",
        summary="The do-not-call register's change feed",
        description=(
            "Entries changed after `updated_since` (or after `cursor`), oldest change first: numbers not to "
            "call and borrowers who asked us to stop (every channel). Keep the last `next_cursor` and ask "
            "again later for what changed since; `has_more` says whether to ask at once. Entries appear "
            "a couple of seconds after they are written, so that none is passed by a cursor."
        ),
        parameters=[s.DncFeedQuerySerializer],
        responses={200: s.DncFeedSerializer, 400: BAD_INPUT, **REFUSALS},
        examples=[
            OpenApiExample(
                "Changes",
                value={"results": [ENTRY_EXAMPLE], "next_cursor": "WyIyMDI2LTA0LTA3VDE0OjAzOjAyKzAwOjAwIiwgNDFd", "has_more": False, "next": None},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = s.DncFeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        cursor = FeedCursor.decode(params["cursor"]) if params.get("cursor") else None
        page, next_cursor, more = dnc_feed(
            updated_since=params.get("updated_since"), cursor=cursor, limit=params["limit"]
        )
        encoded = next_cursor.encode() if next_cursor else None
        feed = {
            "results": page,
            "next_cursor": encoded,
            "has_more": more,
            "next": replace_query_param(request.build_absolute_uri(), "cursor", encoded) if more and encoded else None,
        }
        return Response(s.body(s.DncFeedSerializer, feed))

    @extend_schema(
        operation_id="dnc_record",
        summary="Record a do-not-call number or a cease request",
        description=(
            "`do_not_call`: a number (E.164, or our phone_id) never to call again, on every borrower's phone "
            "that has it (a number not in the book yet is kept for the record). `cease`: the borrower asked "
            "us to stop all communication. Takes effect for the next compliance decision. Sending an entry "
            "already in force answers it again (200)."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.DncRequestSerializer,
        responses={
            201: OpenApiResponse(s.DncEntrySerializer, description="Recorded."),
            200: OpenApiResponse(s.DncEntrySerializer, description="Already in force."),
            400: BAD_INPUT,
            404: error("No such phone or borrower.", code="not_found", message="No such borrower.", errors={"borrower_id": ["Unknown borrower."]}),
            422: IDEMPOTENCY_REUSED,
            **REFUSALS,
        },
        examples=[
            OpenApiExample("A number", value={"type": "do_not_call", "number": "+12125550100", "reason": "Asked on the phone"}, request_only=True),
            OpenApiExample("A cease request", value={"type": "cease", "borrower_external_id": "B1", "reason": "Letter of 2026-04-02"}, request_only=True),
            OpenApiExample("The entry", value=ENTRY_EXAMPLE, response_only=True),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = s.DncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        integration = integration_of(request)
        common = {
            "reason": data.get("reason", ""),
            "source": DncEntry.Source.API,
            "integration": integration,
            "actor": request.user,
            "requested_at": data.get("requested_at"),
        }
        if data["type"] == DncEntry.Type.DO_NOT_CALL:
            entry, created = dnc_number_record(number=_number(data), **common)
        else:
            entry, created = dnc_cease_record(borrower=_borrower(data), **common)
        entry = DncEntry.objects.select_related("borrower").get(pk=entry.pk)
        return Response(s.body(s.DncEntrySerializer, entry), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
