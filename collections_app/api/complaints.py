"""Complaints API: ``GET``/``POST /api/v1/complaints/``, ``GET``/``PATCH /api/v1/complaints/{id}/``.

Sessions see the complaints on the cases they see (an agent their own cases', a team lead the
team's, supervisors, administrators and analysts all) and register them on the cases they may work;
integration tokens with the ``complaints`` scope (a CRM, the dialer) register on any case and read
them all. Updating (acknowledge, reassign, resolve) is for team leads, supervisors and the owner,
never the agent complained about. A case one may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer.base import IDEMPOTENCY_KEY, IDEMPOTENCY_REUSED, DialerView, error
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.permissions import integration_of
from collections_app.models import Case, Complaint, ComplaintCategory, ContactAttempt
from collections_app.models.integrations import SCOPE_COMPLAINTS
from collections_app.roles import ADMINISTRATOR, AGENT, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.complaints import complaints_visible_to, complaints_with_deadline
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.complaints import (
    complaint_acknowledge,
    complaint_assign,
    complaint_may_resolve,
    complaint_register,
    complaint_resolve,
)
from config.errors import DomainError, ErrorCode
from config.pagination import Cursor, cursor_page

READERS = (AGENT, TEAM_LEAD, SUPERVISOR, ADMINISTRATOR, ANALYST)
WORKERS = (AGENT, TEAM_LEAD, SUPERVISOR)


class ComplaintAccess(BasePermission):
    """Tokens with the ``complaints`` scope; sessions of the roles that read cases (writes: ``WORKERS``)."""

    message = gettext_lazy("Your role may not use complaints.")

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is not None:
            return integration.has_scope(SCOPE_COMPLAINTS)
        if request.auth is not None:
            return False
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        roles = READERS if request.method in ("GET", "HEAD", "OPTIONS") else WORKERS
        return user_has_role(user, *roles)


class ComplaintSerializer(serializers.ModelSerializer):
    case_id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    agent = serializers.CharField(source="agent.username", read_only=True, default=None, allow_null=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None, allow_null=True)
    attempt_ids = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id", "case_id", "category", "holds_collection", "channel", "description", "agent", "attempt_ids",
            "message_id", "received_at", "owner", "status", "acknowledge_by", "resolve_by", "overdue",
            "acknowledged_at", "resolved_at", "resolution", "root_cause", "resolution_note", "external_id",
        ]  # fmt: skip
        read_only_fields = fields

    def get_attempt_ids(self, complaint: Complaint) -> list[int]:
        return sorted(a.pk for a in complaint.attempts.all())


class ComplaintCreateSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    category = serializers.SlugField(max_length=40)
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
    description = serializers.CharField(max_length=4000)
    received_at = serializers.DateTimeField(required=False)
    attempt_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=50, default=list)
    agent = serializers.CharField(max_length=150, required=False, help_text="Username of the agent complained about.")
    external_id = serializers.CharField(max_length=128, required=False, help_text="Your id: a second POST with it returns the first complaint.")


class ComplaintUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Complaint.Status.ACKNOWLEDGED, Complaint.Status.RESOLVED], required=False)
    owner = serializers.CharField(max_length=150, required=False, allow_null=True, help_text="Username; null: nobody.")
    resolution = serializers.ChoiceField(choices=Complaint.Resolution.choices, required=False)
    root_cause = serializers.ChoiceField(choices=Complaint.RootCause.choices, required=False)
    resolution_note = serializers.CharField(max_length=4000, required=False)


class ComplaintCursor(Cursor):
    ordering = ("-pk",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


def _visible(request: Request) -> QuerySet[Complaint]:
    complaints = Complaint.objects.all() if integration_of(request) is not None else complaints_visible_to(request.user)
    return complaints_with_deadline(complaints, now=clock.now()).select_related(
        "category", "agent", "owner"
    ).prefetch_related("attempts")


def _not_found() -> DomainError:
    return DomainError(_("No such complaint (or not one you may see)."), code=ErrorCode.NOT_FOUND)


def _user(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(_("No such user."), errors={field: [_("No active user with this username.")]})
    return user


EXAMPLE = {
    "id": 41, "case_id": 812, "category": "communication_tactics", "holds_collection": True, "channel": "call",
    "description": "The agent raised his voice.", "agent": "agent1", "attempt_ids": [9120], "message_id": None,
    "received_at": "2026-04-07T14:05:00Z", "owner": "lead1", "status": "received",
    "acknowledge_by": "2026-04-09T04:00:00Z", "resolve_by": "2026-04-23T04:00:00Z", "overdue": False,
    "acknowledged_at": None, "resolved_at": None, "resolution": "", "root_cause": "", "resolution_note": "",
    "external_id": "crm-5521",
}  # fmt: skip
NOT_FOUND = error("No such complaint or case (or not one you may see).", code="not_found", message="Not found.")
DENIED = error("Your role (or token scope) may not do this.", code="permission_denied", message="Your role may not use complaints.")


class ComplaintListView(DialerView):
    permission_classes = [ComplaintAccess]

    @extend_schema(
        operation_id="complaints_list",
        summary="Complaints you may see, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=Complaint.Status.values),
            OpenApiParameter("case", int),
            OpenApiParameter("mine", bool, description="Only those you own."),
            OpenApiParameter("overdue", bool, description="Only those past their next deadline."),
            OpenApiParameter("limit", int), OpenApiParameter("cursor", str),
        ],
        responses={200: cursor_page(ComplaintSerializer), 403: DENIED},
        examples=[OpenApiExample("A page", value={"next": None, "previous": None, "results": [EXAMPLE]}, response_only=True)],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        complaints = _visible(request)
        params = request.query_params
        if params.get("status"):
            complaints = complaints.filter(status=params["status"])
        if params.get("case", "").isdigit():
            complaints = complaints.filter(case_id=int(params["case"]))
        if params.get("mine") in ("1", "true"):
            complaints = complaints.filter(owner_id=request.user.pk)
        if params.get("overdue") in ("1", "true", "0", "false"):
            complaints = complaints.filter(**{"overdue": params["overdue"] in ("1", "true")})  # an annotation
        paginator = ComplaintCursor()
        page = paginator.paginate_queryset(complaints, request, view=self)
        return paginator.get_paginated_response(ComplaintSerializer(page, many=True).data)

    @extend_schema(
        operation_id="complaints_create",
        summary="Register a complaint on a case",
        description=(
            "Deadlines come from the borrower country's complaint policy (business days over its public "
            "holidays). A holding category stops every contact about the debt (engine reason "
            "`complaint_open`) until the complaint is resolved."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ComplaintCreateSerializer,
        responses={
            201: ComplaintSerializer,
            400: error("Refused or malformed; nothing was written.", code="invalid", message="The complaint cannot be registered.", errors={"description": ["Say what the borrower complains about."]}),
            403: DENIED, 404: NOT_FOUND, 422: IDEMPOTENCY_REUSED,
        },
        examples=[
            OpenApiExample("From a CRM", value={"case_id": 812, "category": "communication_tactics", "channel": "call", "description": "The agent raised his voice.", "attempt_ids": [9120], "external_id": "crm-5521"}, request_only=True),
            OpenApiExample("Registered", value=EXAMPLE, response_only=True),
        ],
    )  # fmt: skip
    @idempotent
    def post(self, request: Request) -> Response:
        body = ComplaintCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        integration = integration_of(request)
        cases = Case.objects.all() if integration is not None else cases_workable_by(request.user)
        case = cases.select_related("account__borrower", "team__lead").filter(pk=data["case_id"]).first()
        if case is None:
            raise DomainError(_("No such case."), code=ErrorCode.NOT_FOUND)
        category = ComplaintCategory.objects.filter(code=data["category"]).first()
        if category is None:
            raise DomainError(_("Unknown category."), errors={"category": [_("Not a complaint category.")]})
        attempts = list(ContactAttempt.objects.filter(pk__in=data["attempt_ids"], account_id=case.account_id))
        if len(attempts) != len(set(data["attempt_ids"])):
            raise DomainError(_("The complaint cannot be registered."), errors={"attempt_ids": [_("Not this case's contacts.")]})
        complaint = complaint_register(
            case=case, category=category, channel=data["channel"], description=data["description"],
            actor=request.user,  # type: ignore[arg-type]
            received_at=data.get("received_at"), attempts=attempts, external_id=data.get("external_id"),
            agent=_user(data["agent"], "agent") if data.get("agent") else None, now=clock.now(),
        )  # fmt: skip
        return Response(ComplaintSerializer(_visible_one(complaint)).data, status=status.HTTP_201_CREATED)


def _visible_one(complaint: Complaint) -> Complaint:
    return complaints_with_deadline(Complaint.objects.filter(pk=complaint.pk), now=clock.now()).select_related(
        "category", "agent", "owner"
    ).get()


class ComplaintDetailView(DialerView):
    permission_classes = [ComplaintAccess]

    def _complaint(self, request: Request, complaint_id: str) -> Complaint:
        complaint = _visible(request).filter(pk=int(complaint_id)).first() if complaint_id.isdigit() and len(complaint_id) < 19 else None
        if complaint is None:
            raise _not_found()
        return complaint

    @extend_schema(operation_id="complaints_read", responses={200: ComplaintSerializer, 404: NOT_FOUND}, examples=[OpenApiExample("A complaint", value=EXAMPLE, response_only=True)])
    def get(self, request: Request, complaint_id: str) -> Response:
        return Response(ComplaintSerializer(self._complaint(request, complaint_id)).data)

    @extend_schema(
        operation_id="complaints_update",
        summary="Acknowledge, reassign or resolve a complaint",
        description="Team leads, supervisors and the owner; never the agent complained about. A resolved complaint no longer changes (409).",
        request=ComplaintUpdateSerializer,
        responses={
            200: ComplaintSerializer, 403: DENIED, 404: NOT_FOUND,
            400: error("Refused or malformed; nothing was written.", code="invalid", message="The complaint cannot be resolved like this.", errors={"root_cause": ["Choose the root cause."]}),
            409: error("Already resolved.", code="wrong_status", message="This complaint is resolved; it cannot change any more."),
        },
        examples=[
            OpenApiExample("Resolve", value={"status": "resolved", "resolution": "partly_upheld", "root_cause": "agent_conduct", "resolution_note": "Apologised; agent coached."}, request_only=True),
            OpenApiExample("Reassign", value={"owner": "lead2"}, request_only=True),
        ],
    )  # fmt: skip
    def patch(self, request: Request, complaint_id: str) -> Response:
        complaint = self._complaint(request, complaint_id)
        actor: User = request.user  # type: ignore[assignment]
        if integration_of(request) is not None or not complaint_may_resolve(actor, complaint):
            raise DomainError(_("Only team leads, supervisors and the owner update a complaint."), code=ErrorCode.NOT_AUTHORIZED)
        body = ComplaintUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():  # all of it or nothing
            if "owner" in data:
                owner = _user(data["owner"], "owner") if data["owner"] else None
                complaint = complaint_assign(complaint=complaint, owner=owner, actor=actor)
            if data.get("status") == Complaint.Status.ACKNOWLEDGED:
                complaint = complaint_acknowledge(complaint=complaint, actor=actor, at=clock.now())
            elif data.get("status") == Complaint.Status.RESOLVED:
                complaint = complaint_resolve(
                    complaint=complaint, actor=actor, resolution=data.get("resolution", ""),
                    root_cause=data.get("root_cause", ""), note=data.get("resolution_note", ""), at=clock.now(),
                )  # fmt: skip
        return Response(ComplaintSerializer(_visible_one(complaint)).data)
