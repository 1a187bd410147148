"""``POST /api/v1/cases/{id}/promises/``: a promise to pay, for integrations and for the users who work the case."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_REUSED,
    REFUSALS,
    DialerView,
    error,
)
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.permissions import PromiseWriters, integration_of
from collections_app.models import Case, DialAuthorization, Integration, PromiseToPay
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services.dialer.promises import PromiseTerms, promise_record
from config.errors import DomainError


def _source(integration: Integration | None) -> str:
    if integration is None:
        return PromiseToPay.Source.AGENT
    return PromiseToPay.Source.DIALER if integration.kind == Integration.Kind.DIALER else PromiseToPay.Source.API


class CasePromiseView(DialerView):
    permission_classes = [PromiseWriters]

    @extend_schema(
        operation_id="case_promise_create",
        summary="Record a promise to pay on a case",
        description=(
            "One amount on one date, or a plan of dated amounts, through the promise rules (latest date by "
            "bucket, minimum share of the overdue amount, one open promise per case): each refusal is "
            "named by field; the total is at most what the case owes. Integrations with the `promises` scope may "
            "record on any open case (with `external_call_id`, the call it was made on, which must be a "
            "right-party contact; a dialer must give it); agents, team "
            "leads and supervisors on the cases they may work (their own, their teams', any for a supervisor)."
        ),
        parameters=[IDEMPOTENCY_KEY, OpenApiParameter("case_id", int, OpenApiParameter.PATH)],
        request=s.PromiseRequestSerializer,
        responses={
            201: s.PromiseSerializer,
            400: OpenApiResponse(
                s.ErrorSerializer,
                description=(
                    "Refused by the promise rules (code `promise_refused`, the reasons by field), or a "
                    "malformed body (code `invalid`); nothing was recorded."
                ),
                examples=[
                    OpenApiExample(
                        "promise_refused",
                        value={
                            "message": "The promise was not recorded.",
                            "errors": {"parts[0].date": ["In M1 the date may be at most 14 days ahead: 2026-04-21 at the latest."]},
                            "code": "promise_refused",
                        },
                        response_only=True,
                    ),
                    OpenApiExample(
                        "invalid",
                        value={"message": "Invalid input.", "errors": {"amount": ["A valid number is required."]}, "code": "invalid"},
                        response_only=True,
                    ),
                ],
            ),
            404: error("No such case (or not one you may see).", code="not_found", message="Not found."),
            409: error("The case has an open promise already.", code="conflict", message="The case has an open promise already: cancel it before recording a new one."),
            422: IDEMPOTENCY_REUSED,
            **REFUSALS,
        },
        examples=[
            OpenApiExample("One amount", value={"amount": "150.00", "date": "2026-04-10", "external_call_id": "call-7781"}, request_only=True),
            OpenApiExample(
                "A plan",
                value={"parts": [{"amount": "100.00", "date": "2026-04-10"}, {"amount": "100.00", "date": "2026-04-24"}]},
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "id": 311, "case_id": 812, "amount": "150.00", "first_date": "2026-04-10",
                    "final_date": "2026-04-10", "status": "open", "source": "dialer", "attempt_id": 9120,
                    "parts": [{"seq": 1, "date": "2026-04-10", "amount": "150.00", "status": "open"}],
                },
                response_only=True,
            ),
        ],
    )  # fmt: skip
    @idempotent
    def post(self, request: Request, case_id: str) -> Response:
        integration = integration_of(request)
        cases = Case.objects.all() if integration is not None else cases_workable_by(request.user)
        case = cases.filter(pk=int(case_id)).first() if case_id.isdigit() and len(case_id) < 19 else None
        if case is None:
            raise DomainError(_("No such case."), code="not_found")
        body = s.PromiseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        attempt = None
        if data.get("external_call_id"):
            authorization = (
                DialAuthorization.objects.select_related("attempt").filter(
                    integration=integration, external_call_id=data["external_call_id"]
                ).first()
                if integration is not None
                else None
            )
            if authorization is None:
                raise DomainError(
                    _("No call with this id for this integration."),
                    errors={"external_call_id": [_("Unknown call.")]},
                )
            attempt = authorization.attempt
        parts = (
            [PromiseTerms(amount=part["amount"], date=part["date"]) for part in data["parts"]]
            if data.get("parts")
            else [PromiseTerms(amount=data["amount"], date=data["date"])]
        )
        try:
            promise = promise_record(
                case=case,
                parts=parts,
                actor=request.user,  # type: ignore[arg-type]
                attempt=attempt,
                source=_source(integration),
                note=data.get("note", ""),
            )
        except DomainError as refusal:  # the call is ``external_call_id`` here
            if "attempt" in refusal.errors:
                refusal.errors["external_call_id"] = refusal.errors.pop("attempt")
            raise
        promise = PromiseToPay.objects.prefetch_related("parts").get(pk=promise.pk)
        return Response(s.body(s.PromiseSerializer, promise), status=status.HTTP_201_CREATED)

