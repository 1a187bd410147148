"""Extensions API: the SOPs a case is eligible for, create-and-submit a request, approve or reject it.

Cases outside ``cases_visible_to`` answer 404; acting needs ``cases_workable_by`` (else 404 too).
Deciding is for team leads and supervisors, within their authority and never on their own request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.calendar import book_date
from collections_app import roles
from collections_app.models import ExtensionRequest, ExtensionSop
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.extensions import (
    Terms,
    extension_apply,
    extension_approve,
    extension_create,
    extension_eligibility,
    extension_reject,
    extension_submit,
    extension_tick_step,
)

WORKERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
APPROVERS = (roles.TEAM_LEAD, roles.SUPERVISOR)


def _today() -> Any:
    return book_date(clock.now())


def _require(request: Request, allowed: tuple[str, ...]) -> None:
    if not roles.user_has_role(request.user, *allowed):
        raise PermissionDenied("Your role may not do this.")


class EligibilitySerializer(serializers.Serializer):
    sop = serializers.IntegerField(source="sop.pk")
    name = serializers.CharField(source="sop.name")
    version = serializers.IntegerField(source="sop.version")
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    max_extension_days = serializers.IntegerField(source="sop.max_extension_days")
    max_penalty_waiver = serializers.DecimalField(source="sop.max_penalty_waiver", max_digits=5, decimal_places=4)
    max_interest_waiver = serializers.DecimalField(source="sop.max_interest_waiver", max_digits=5, decimal_places=4)


class ExtensionSerializer(serializers.ModelSerializer):
    sop_version = serializers.IntegerField(source="sop.version", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    approver = serializers.CharField(source="approver.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id", "case", "sop", "sop_version", "status", "installment_seqs", "days_deferred", "penalty_waiver",
            "interest_waiver", "penalty_waived", "interest_waived", "down_payment", "hardship_reason", "script",
            "via_third_party", "flag_repeated", "flag_third_party", "requested_by", "approver", "decision_reason",
            "schedule_before", "schedule_after", "created_at", "submitted_at", "decided_at", "applied_at",
        ]  # fmt: skip
        read_only_fields = fields


class ExtensionCreateSerializer(serializers.Serializer):
    sop = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    via_third_party = serializers.BooleanField(default=False)
    steps_completed = serializers.ListField(child=serializers.SlugField(max_length=32), max_length=50)
    installment_seqs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=1000), min_length=1, max_length=24)
    days_deferred = serializers.IntegerField(min_value=1, max_value=3650)
    penalty_waiver = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, default=Decimal("0"))
    interest_waiver = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, default=Decimal("0"))
    down_payment = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=Decimal("0"))
    hardship_reason = serializers.CharField(max_length=32)
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class CaseExtensionSopsView(APIView):
    """Every active SOP with whether the case is eligible and, if not, why."""

    @extend_schema(responses={200: EligibilitySerializer(many=True)})
    def get(self, request: Request, case_id: int) -> Response:
        case = get_object_or_404(cases_visible_to(request.user).select_related("account"), pk=case_id)
        return Response(EligibilitySerializer(extension_eligibility(case=case, today=_today()), many=True).data)


class CaseExtensionCreateView(APIView):
    """Create a request, record the completed script steps and submit the terms, all or nothing.

    Within the submitter's authority it is approved (and applied when no down payment is awaited);
    above it, it waits for an approver (status ``submitted``).
    """

    @extend_schema(request=ExtensionCreateSerializer, responses={201: ExtensionSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        _require(request, WORKERS)
        case = get_object_or_404(cases_workable_by(request.user).select_related("account"), pk=case_id)
        body = ExtensionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        sop = get_object_or_404(ExtensionSop, pk=data["sop"])
        with transaction.atomic():
            extension = extension_create(
                case=case, sop=sop, actor=request.user, today=_today(), via_third_party=data["via_third_party"]
            )
            for code in data["steps_completed"]:
                extension = extension_tick_step(request=extension, step_code=code, actor=request.user)
            extension = extension_submit(
                request=extension,
                terms=Terms(
                    installment_seqs=data["installment_seqs"], days_deferred=data["days_deferred"],
                    penalty_waiver=data["penalty_waiver"], interest_waiver=data["interest_waiver"],
                    down_payment=data["down_payment"], hardship_reason=data["hardship_reason"], note=data["note"],
                ),
                actor=request.user,
            )  # fmt: skip
            if extension.status == ExtensionRequest.Status.APPROVED and extension.down_payment == 0:
                extension = extension_apply(request=extension, actor=request.user, today=_today())
        return Response(ExtensionSerializer(extension).data, status=201)


class _DecisionView(APIView):
    def _extension(self, request: Request, extension_id: int) -> ExtensionRequest:
        return get_object_or_404(
            ExtensionRequest.objects.filter(case__in=cases_visible_to(request.user)).select_related("sop"),
            pk=extension_id,
        )


class ExtensionApproveView(_DecisionView):
    """Approve a submitted request (applied at once when no down payment is awaited)."""

    @extend_schema(request=DecisionSerializer, responses={200: ExtensionSerializer})
    def post(self, request: Request, extension_id: int) -> Response:
        extension = self._extension(request, extension_id)
        _require(request, APPROVERS)
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            extension = extension_approve(request=extension, actor=request.user, reason=body.validated_data["reason"])
            if extension.down_payment == 0:
                extension = extension_apply(request=extension, actor=request.user, today=_today())
        return Response(ExtensionSerializer(extension).data)


class ExtensionRejectView(_DecisionView):
    """Reject a submitted request with a reason."""

    @extend_schema(request=DecisionSerializer, responses={200: ExtensionSerializer})
    def post(self, request: Request, extension_id: int) -> Response:
        extension = self._extension(request, extension_id)
        _require(request, APPROVERS)
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        extension = extension_reject(request=extension, actor=request.user, reason=body.validated_data["reason"])
        return Response(ExtensionSerializer(extension).data)


urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/extension-sops/", CaseExtensionSopsView.as_view(), name="api-case-extension-sops"),
    path("cases/<int:case_id>/extensions/", CaseExtensionCreateView.as_view(), name="api-case-extensions"),
    path("extensions/<int:extension_id>/approve/", ExtensionApproveView.as_view(), name="api-extension-approve"),
    path("extensions/<int:extension_id>/reject/", ExtensionRejectView.as_view(), name="api-extension-reject"),
]
