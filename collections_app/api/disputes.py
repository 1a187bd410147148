"""Disputes API: ``GET``/``POST /api/v1/disputes/`` (open one on a case) and ``POST /api/v1/disputes/{id}/resolve/``.

Reading and opening as for complaints (``ComplaintAccess``: sessions by case, tokens with the
``complaints`` scope); resolving (the verification, the outcome and any correction) is for team
leads on their teams' cases and supervisors.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.complaints import DENIED, ComplaintAccess
from collections_app.api.dialer.base import IDEMPOTENCY_KEY, IDEMPOTENCY_REUSED, DialerView, error
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.permissions import integration_of
from collections_app.models import Case, Dispute
from collections_app.roles import SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.disputes import COMPONENTS, Correction, dispute_open, dispute_resolve
from config.errors import DomainError, ErrorCode
from config.pagination import Cursor, cursor_page

DISPUTE_OUTCOMES = [(Dispute.Status.UPHELD.value, "upheld"), (Dispute.Status.REJECTED.value, "rejected")]


class DisputeSerializer(serializers.ModelSerializer):
    account_id = serializers.IntegerField(read_only=True)
    case_id = serializers.IntegerField(read_only=True, allow_null=True)
    attempt_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Dispute
        fields = [
            "id", "account_id", "case_id", "via", "attempt_id", "reason", "status", "opened_at", "verification",
            "resolved_at", "corrections", "schedule_before", "schedule_after", "external_id",
        ]  # fmt: skip
        read_only_fields = fields


class DisputeOpenSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    external_id = serializers.CharField(max_length=128, required=False)


class CorrectionSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1, max_value=1000)
    component = serializers.ChoiceField(choices=COMPONENTS)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DISPUTE_OUTCOMES)
    verification = serializers.CharField(max_length=4000)
    corrections = CorrectionSerializer(many=True, required=False, default=list)


class DisputeCursor(Cursor):
    ordering = ("-pk",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


def _visible(request: Request) -> QuerySet[Dispute]:
    if integration_of(request) is not None:
        return Dispute.objects.all()
    return Dispute.objects.filter(account__cases__in=cases_visible_to(request.user)).distinct()


EXAMPLE = {
    "id": 7, "account_id": 5120, "case_id": 812, "via": "api", "attempt_id": None, "reason": "Not my loan.",
    "status": "open", "opened_at": "2026-04-07T14:05:00Z", "verification": "", "resolved_at": None,
    "corrections": [], "schedule_before": None, "schedule_after": None, "external_id": "crm-d-88",
}  # fmt: skip
NOT_FOUND = error("No such dispute or case (or not one you may see).", code="not_found", message="Not found.")


class DisputeListView(DialerView):
    permission_classes = [ComplaintAccess]

    @extend_schema(
        operation_id="disputes_list",
        parameters=[OpenApiParameter("status", str, enum=Dispute.Status.values), OpenApiParameter("case", int),
                    OpenApiParameter("limit", int), OpenApiParameter("cursor", str)],
        responses={200: cursor_page(DisputeSerializer), 403: DENIED},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        disputes = _visible(request)
        if request.query_params.get("status"):
            disputes = disputes.filter(status=request.query_params["status"])
        if request.query_params.get("case", "").isdigit():
            disputes = disputes.filter(case_id=int(request.query_params["case"]))
        paginator = DisputeCursor()
        page = paginator.paginate_queryset(disputes, request, view=self)
        return paginator.get_paginated_response(DisputeSerializer(page, many=True).data)

    @extend_schema(
        operation_id="disputes_open",
        summary="Open a dispute on a case: collection holds until it is resolved",
        description="One open dispute per debt: opening it again answers the open one (200).",
        parameters=[IDEMPOTENCY_KEY],
        request=DisputeOpenSerializer,
        responses={201: DisputeSerializer, 200: DisputeSerializer, 403: DENIED, 404: NOT_FOUND, 422: IDEMPOTENCY_REUSED},
        examples=[
            OpenApiExample("Open", value={"case_id": 812, "reason": "Not my loan.", "external_id": "crm-d-88"}, request_only=True),
            OpenApiExample("Opened", value=EXAMPLE, response_only=True),
        ],
    )  # fmt: skip
    @idempotent
    def post(self, request: Request) -> Response:
        body = DisputeOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        cases = Case.objects.all() if integration_of(request) is not None else cases_workable_by(request.user)
        case = cases.select_related("account__borrower").filter(pk=data["case_id"]).first()
        if case is None:
            raise DomainError(_("No such case."), code=ErrorCode.NOT_FOUND)
        known = Dispute.objects.filter(account_id=case.account_id, status=Dispute.Status.OPEN).exists()
        dispute = dispute_open(
            account=case.account, case=case, via=Dispute.Via.API, actor=request.user,  # type: ignore[arg-type]
            reason=data["reason"], at=clock.now(), external_id=data.get("external_id"),
        )  # fmt: skip
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_200_OK if known else status.HTTP_201_CREATED)


class DisputeResolveView(DialerView):
    permission_classes = [ComplaintAccess]

    @extend_schema(
        operation_id="disputes_resolve",
        summary="Record the verification and the outcome; collection resumes",
        description="Team leads (their teams' cases) and supervisors. `upheld` may carry corrections: an amount taken off a component of an installment.",
        request=DisputeResolveSerializer,
        responses={
            200: DisputeSerializer, 403: DENIED, 404: NOT_FOUND,
            400: error("Refused or malformed; nothing was written.", code="invalid", message="The correction cannot be applied.", errors={"corrections[0]": ["Only 25.00 of it is unpaid."]}),
            409: error("Already resolved.", code="wrong_status", message="This dispute is already resolved."),
        },
        examples=[OpenApiExample("Upheld", value={"outcome": "upheld", "verification": "Billing checked: the fee was charged twice.", "corrections": [{"seq": 2, "component": "fee", "amount": "25.00"}]}, request_only=True)],
    )  # fmt: skip
    def post(self, request: Request, dispute_id: str) -> Response:
        dispute = _visible(request).filter(pk=int(dispute_id)).first() if dispute_id.isdigit() and len(dispute_id) < 19 else None
        if dispute is None:
            raise DomainError(_("No such dispute."), code=ErrorCode.NOT_FOUND)
        if integration_of(request) is not None or not user_has_role(request.user, TEAM_LEAD, SUPERVISOR):
            raise DomainError(_("Only team leads and supervisors resolve a dispute."), code=ErrorCode.NOT_AUTHORIZED)
        body = DisputeResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        actor: User = request.user  # type: ignore[assignment]
        dispute = dispute_resolve(
            dispute=dispute, outcome=data["outcome"], verification=data["verification"], actor=actor, at=clock.now(),
            corrections=[Correction(seq=c["seq"], component=c["component"], amount=c["amount"]) for c in data["corrections"]],
        )  # fmt: skip
        return Response(DisputeSerializer(dispute).data)
