"""The call list: the numbers callable now, by priority.

Thin: the serializers check shapes; the services check the rules and raise ``DomainError``."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    BAD_INPUT,
    REFUSALS,
    DialerView,
)
from collections_app.api.dialer.examples import CALL_ROW_EXAMPLE
from collections_app.api.dialer.shapes import iso_instant
from collections_app.selectors.dialer import CallListCursor, call_list


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
                "case_id": row.case.id,
                "account_external_id": row.case.account_external_id,
                "borrower_id": row.case.borrower_id,
                "borrower_external_id": row.case.borrower_external_id,
                "phone_id": row.phone_id,
                "number": row.number,
                "timezone": row.case.timezone,
                "zones": row.decision.zones,
                "window_closes_at": iso_instant(row.decision.window_closes_at),
                "attempts_left_today": row.decision.attempts_left_today,
                "attempts_left_week": row.decision.attempts_left_week,
                "agent": row.case.agent_username,
                "priority": row.case.priority,
                "dpd": row.case.dpd,
                "bucket": row.case.bucket,
                "overdue_amount": f"{row.case.overdue_amount:.2f}",
                "currency": row.case.currency,
                "vendor_lead_code": f"{row.case.id}-{row.phone_id}",
            }
            for row in page.rows
        ]
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return Response(
            {
                "at": iso_instant(at),
                "results": results,
                "next_cursor": next_cursor,
                "next": replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
                if next_cursor
                else None,
            }
        )
