"""The read-only compliance check: the engine's decision for a number at an instant."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import LoanAccount, Phone
from collections_app.api.dialer.permissions import DialerScope
from scheduling.api.serializers import ComplianceCheckQuerySerializer, DecisionSerializer
from scheduling.engine import evaluate


class ComplianceCheckView(APIView):
    """``GET /api/v1/compliance/check/?phone_id=&channel=call&at=``: decide without reserving.

    Staff sessions, and integration tokens with the dialer scope.
    """

    permission_classes = [IsAdminUser | DialerScope]

    @extend_schema(
        parameters=[ComplianceCheckQuerySerializer],
        responses={200: DecisionSerializer, 400: OpenApiResponse(description="Bad query"), 404: None},
    )
    def get(self, request: Request) -> Response:
        query = ComplianceCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        phone = get_object_or_404(Phone.objects.select_related("borrower"), pk=params["phone_id"])
        account = (
            get_object_or_404(LoanAccount, pk=params["account_id"], borrower_id=phone.borrower_id)
            if "account_id" in params
            else None
        )
        decision = evaluate(
            phone=phone,
            channel=params["channel"],
            at=params.get("at") or timezone.now(),
            source=params["source"],
            account=account,
        )
        return Response(decision.as_json())
