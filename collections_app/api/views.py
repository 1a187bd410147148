"""Cases API: a role-scoped listing and the manual assignment action."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collections_app.api.dialer.permissions import CaseReaders, integration_of
from collections_app.api.serializers import CaseAssignSerializer, CaseSerializer
from collections_app.models import Agent, Case
from collections_app.selectors.cases import agents_manageable_by, cases_manageable_by, cases_visible_to
from collections_app.services.assignment import case_reassign
from config.pagination import Cursor


class CaseFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__name")
    agent = django_filters.CharFilter(field_name="agent__user__username")
    dpd_min = django_filters.NumberFilter(field_name="dpd", lookup_expr="gte")
    dpd_max = django_filters.NumberFilter(field_name="dpd", lookup_expr="lte")

    class Meta:
        model = Case
        fields = ["status", "bucket", "locked", "team", "agent"]


class CaseCursor(Cursor):
    ordering = ("-priority", "-dpd", "pk")
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000


class CaseListView(generics.ListAPIView):
    """Cases the caller may see: an agent their own, a team lead the team's, a supervisor all; a
    token with the ``core:cases`` scope (the core lending system) all, read-only (``CaseReaders``)."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = CaseCursor
    permission_classes = [CaseReaders]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        cases = Case.objects.all() if integration_of(self.request) is not None else cases_visible_to(self.request.user)
        return cases.select_related(
            "account", "account__borrower", "team", "agent__user"
        )


class CaseAssignView(APIView):
    """Move a case to an agent (team leads within their teams, supervisors anywhere).

    Administrators and analysts read the case and are refused (403); integration tokens move no case.
    """

    @extend_schema(
        request=CaseAssignSerializer,
        responses={200: CaseSerializer},
        examples=[OpenApiExample("Reassign and lock", value={"agent": "agent2", "note": "VIP", "lock": True})],
    )
    def post(self, request: Request, case_id: int) -> Response:
        if integration_of(request) is not None:
            raise PermissionDenied(_("Integration tokens do not assign cases."))
        case = get_object_or_404(cases_visible_to(request.user), pk=case_id)
        if not cases_manageable_by(request.user).filter(pk=case.pk).exists():
            raise PermissionDenied(_("Only team leads and supervisors may reassign cases."))
        body = CaseAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agent: Agent | None = None
        if body.validated_data["agent"] is not None:
            agent = agents_manageable_by(request.user).filter(user__username=body.validated_data["agent"]).first()
            if agent is None:
                raise ValidationError({"agent": ["No agent with that username that you may assign to."]})
        case = case_reassign(
            case=case, agent=agent, by=request.user, note=body.validated_data["note"], lock=body.validated_data["lock"]
        )
        case = Case.objects.select_related("account__borrower", "team", "agent__user").get(pk=case.pk)
        return Response(CaseSerializer(case).data)
