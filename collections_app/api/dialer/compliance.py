"""The read-only compliance check: the engine's decision for a number at an instant (dialers and staff)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import LoanAccount, Phone
from collections_app.api.dialer.base import REFUSALS, error
from collections_app.api.dialer.decisions import ComplianceCheckQuerySerializer, DecisionSerializer
from collections_app.api.dialer.permissions import ComplianceReaders, integration_of
from collections_app.selectors.cases import cases_visible_to, sees_every_case
from scheduling.engine import evaluate


def _phones_for(request: Request) -> QuerySet[Phone]:
    """The phones the caller may ask about: a team lead those of their cases' borrowers, a dialer all."""
    phones = Phone.objects.select_related("borrower")
    user = request.user
    if integration_of(request) is None and not sees_every_case(user):
        phones = phones.filter(borrower__loans__cases__in=cases_visible_to(user)).distinct()
    return phones


class ComplianceCheckView(APIView):
    """``GET /api/v1/compliance/check/?phone_id=&channel=call&at=``: decide without reserving.

    Sessions of team leads (only for the borrowers of the cases they see: another number is 404,
    nothing of other teams' borrowers leaks), supervisors and administrators, and integration tokens
    with the dialer scope (``ComplianceReaders``); staff without one of those roles are refused.
    """

    permission_classes = [ComplianceReaders]

    @extend_schema(
        operation_id="compliance_check",
        summary="Decide whether a number may be contacted at an instant, without reserving an attempt",
        description=(
            "The compliance engine's decision for one phone (and optionally one of its borrower's accounts) "
            "on a channel at an instant (default now): the same decision as the pre-dial check, read-only. "
            "A team lead may ask only about the borrowers of the cases they see."
        ),
        parameters=[ComplianceCheckQuerySerializer],
        responses={
            200: DecisionSerializer,
            400: error(
                "A bad query parameter (by name); nothing was read.",
                code="invalid",
                message="Invalid input.",
                errors={"phone_id": ["This field is required."]},
            ),
            404: error(
                "No such phone or account (or not one the caller may see).",
                code="not_found",
                message="Not found.",
            ),
            **REFUSALS,
        },
    )
    def get(self, request: Request) -> Response:
        query = ComplianceCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        phone = get_object_or_404(_phones_for(request), pk=params["phone_id"])
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
