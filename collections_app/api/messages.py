"""Messages API (DESIGN.md 15): ``POST``/``GET /api/v1/messages/``, ``GET /api/v1/messages/{id}/``,
``GET /api/v1/message-templates/``.

A message is decided by the compliance engine (``services.messages.message_create``) at the instant
of the request: allowed, it is ``queued`` (201) and handed to the sender after the commit; refused,
it is kept ``refused`` and the answer is 409 with the engine's reasons and ``next_allowed_at``. An
``Idempotency-Key`` replays the first answer, as on every write endpoint.

Sessions send on the cases they may work (an agent their own, a team lead the team's, a supervisor
all) and read the messages of the cases they see; administrators and analysts read, they send
nothing. Integration tokens with the ``messages`` scope send on any case and read every message. A
case, phone, address or message one may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import EmailAddress, Phone
from collections_app.api.dialer.base import IDEMPOTENCY_KEY, IDEMPOTENCY_REUSED, DialerView, error
from collections_app.api.dialer.decisions import ReasonSerializer
from collections_app.api.dialer.idempotency import idempotent
from collections_app.api.dialer.permissions import integration_of
from collections_app.api.dialer.serializers import ErrorSerializer, UtcInstantField
from collections_app.models import Case, ContactAttempt, Message, MessageTemplate
from collections_app.models.integrations import SCOPE_MESSAGES
from collections_app.roles import ADMINISTRATOR, AGENT, ANALYST, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import cases_visible_to, sees_every_case
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.message_templates import templates_current
from collections_app.services.messages import message_create
from collections_app.tasks import messages_send_after_commit
from config.errors import DomainError, ErrorCode
from config.pagination import Cursor, cursor_page

READERS = (AGENT, TEAM_LEAD, SUPERVISOR, ADMINISTRATOR, ANALYST)
SENDERS = (AGENT, TEAM_LEAD, SUPERVISOR)
CHANNELS = [MessageTemplate.Channel.SMS.value, MessageTemplate.Channel.EMAIL.value]  # what a message goes by
BIG_ID = 2**63 - 1


class MessageAccess(BasePermission):
    """Tokens with the ``messages`` scope; sessions of the roles that read cases (sending: ``SENDERS``)."""

    message = gettext_lazy("Your role may not use messages.")

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is not None:
            return integration.has_scope(SCOPE_MESSAGES)
        if request.auth is not None:
            return False
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        roles = READERS if request.method in ("GET", "HEAD", "OPTIONS") else SENDERS
        return user_has_role(user, *roles)


# --- Shapes ----------------------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    case_id = serializers.IntegerField(read_only=True, allow_null=True)
    template = serializers.CharField(source="template.code", read_only=True, help_text="The template's code.")
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    channel = serializers.ChoiceField(choices=CHANNELS, read_only=True)
    status = serializers.ChoiceField(choices=Message.Status.choices, read_only=True)
    phone_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="For a text.")
    email_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="For an e-mail.")
    agent = serializers.CharField(source="agent.username", read_only=True, default=None, allow_null=True)
    created_at = UtcInstantField(read_only=True)
    sent_at = UtcInstantField(read_only=True, allow_null=True)
    delivered_at = UtcInstantField(read_only=True, allow_null=True)
    failed_at = UtcInstantField(read_only=True, allow_null=True)
    replied_at = UtcInstantField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id", "case_id", "template", "template_version", "channel", "language", "phone_id", "email_id",
            "status", "segments", "source", "agent", "failure_reason", "created_at", "sent_at", "delivered_at",
            "failed_at", "replied_at",
        ]  # fmt: skip
        read_only_fields = fields


class MessageDetailSerializer(MessageSerializer):
    """One message with its text as sent and the engine's decision on it."""

    decision = serializers.JSONField(read_only=True, help_text="The compliance engine's decision, as stored.")

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "subject", "body", "decision"]
        read_only_fields = fields


class MessageQueuedSerializer(MessageSerializer):
    message_id = serializers.IntegerField(source="pk", read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = ["message_id", *MessageSerializer.Meta.fields]
        read_only_fields = fields


# Reads ``{"message", "errors", "code", "message_id", "decision": Decision}``.
class MessageRefusedSerializer(ErrorSerializer):
    message_id = serializers.IntegerField(help_text="The refused message, kept with the decision.")
    allowed = serializers.BooleanField(source="decision.allowed")
    reasons = ReasonSerializer(source="decision.reasons", many=True)
    next_allowed_at = UtcInstantField(
        source="decision.next_allowed_at", allow_null=True, help_text="Null: no time lifts the block."
    )


class MessageCreateSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(min_value=1, max_value=BIG_ID)
    template = serializers.SlugField(max_length=64, help_text="A template's code (GET /api/v1/message-templates/).")
    channel = serializers.ChoiceField(choices=CHANNELS, required=False, help_text="Optional; must match the template's.")
    phone_id = serializers.IntegerField(min_value=1, max_value=BIG_ID, required=False, help_text="For a text.")
    email_id = serializers.IntegerField(min_value=1, max_value=BIG_ID, required=False, help_text="For an e-mail.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "phone_id" in attrs and "email_id" in attrs:
            raise serializers.ValidationError({"email_id": [_("Give phone_id or email_id, not both.")]})
        if "phone_id" not in attrs and "email_id" not in attrs:
            raise serializers.ValidationError({"phone_id": [_("Give phone_id (a text) or email_id (an e-mail).")]})
        wanted = {MessageTemplate.Channel.SMS: "phone_id", MessageTemplate.Channel.EMAIL: "email_id"}
        channel = attrs.get("channel")
        if channel and wanted[channel] not in attrs:
            raise serializers.ValidationError({wanted[channel]: [_("Required for this channel.")]})
        return attrs


class MessageTemplateSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=MessageTemplate.Channel.choices, read_only=True)
    language = serializers.ChoiceField(choices=MessageTemplate.Language.choices, read_only=True)
    purpose = serializers.ChoiceField(choices=MessageTemplate.Purpose.choices, read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="The current version (what a message uses now).")
    segments = serializers.IntegerField(read_only=True, allow_null=True, help_text="SMS segments of the text as written.")

    class Meta:
        model = MessageTemplate
        fields = ["code", "version", "channel", "language", "purpose", "bucket", "subject", "body", "segments"]
        read_only_fields = fields


class MessageListQuerySerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=BIG_ID, required=False)
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    channel = serializers.ChoiceField(choices=CHANNELS, required=False)
    template = serializers.SlugField(max_length=64, required=False, help_text="A template's code.")


class MessageCursor(Cursor):
    ordering = ("-pk",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


# --- Examples --------------------------------------------------------------------------------------

MESSAGE_EXAMPLE = {
    "id": 5012, "case_id": 812, "template": "pre_due_sms", "template_version": 1, "channel": "sms",
    "language": "en", "phone_id": 1530, "email_id": None, "status": "delivered", "segments": 1, "source": "agent",
    "agent": "agent1", "failure_reason": "", "created_at": "2026-04-07T14:00:00Z",
    "sent_at": "2026-04-07T14:00:02Z", "delivered_at": "2026-04-07T14:00:09Z", "failed_at": None, "replied_at": None,
}  # fmt: skip
QUEUED_EXAMPLE = {
    "message_id": 5012, **MESSAGE_EXAMPLE, "status": "queued", "sent_at": None, "delivered_at": None,
}  # fmt: skip
REFUSED_EXAMPLE = {
    "message": "The engine does not allow this message now.", "errors": {}, "code": "not_allowed",
    "message_id": 5013, "allowed": False,
    "reasons": [{"code": "outside_window", "message": "Outside the texting window in America/New_York."}],
    "next_allowed_at": "2026-04-08T12:00:00Z",
}  # fmt: skip
DETAIL_EXAMPLE = {
    **MESSAGE_EXAMPLE, "subject": "",
    "body": "Hi Ann, USD 120.00 is due on 2026-04-10 (ref L000812). Reply STOP to opt out.",
    "decision": {"allowed": True, "reasons": [], "next_allowed_at": None, "attempts_left_today": 1,
                 "attempts_left_week": 3, "window_closes_at": "2026-04-08T01:00:00Z", "channel": "sms"},
}  # fmt: skip
TEMPLATE_EXAMPLE = {
    "code": "pre_due_sms", "version": 1, "channel": "sms", "language": "en", "purpose": "pre_due", "bucket": "",
    "subject": "", "body": "Hi {first_name}, {amount_due} is due on {due_date} (ref {payment_reference}). {opt_out_text}",
    "segments": 1,
}  # fmt: skip
NOT_FOUND = error("No such case, phone, address or message (or not one you may see).", code="not_found", message="No such case.")
DENIED = error("Your role (or token scope) may not do this.", code="permission_denied", message="Your role may not use messages.")


# --- Views -----------------------------------------------------------------------------------------


def _visible(request: Request) -> QuerySet[Message]:
    messages = Message.objects.all()
    if integration_of(request) is None and not sees_every_case(request.user):
        messages = messages.filter(case__in=cases_visible_to(request.user))
    return messages.select_related("template", "agent")


def _address(model: type[Phone] | type[EmailAddress], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise DomainError(_("No such address."), errors={field: [_("Not this borrower's.")]})
    return found


class MessageListView(DialerView):
    permission_classes = [MessageAccess]

    @extend_schema(
        operation_id="messages_list",
        summary="Messages you may see, newest first",
        parameters=[
            MessageListQuerySerializer,
            OpenApiParameter("limit", int), OpenApiParameter("cursor", str),
        ],
        responses={200: cursor_page(MessageSerializer), 403: DENIED},
        examples=[OpenApiExample("A page", value={"next": None, "previous": None, "results": [MESSAGE_EXAMPLE]}, response_only=True)],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        messages = _visible(request)
        if "case" in wanted:
            messages = messages.filter(case_id=wanted["case"])
        if "status" in wanted:
            messages = messages.filter(status=wanted["status"])
        if "channel" in wanted:
            messages = messages.filter(channel=wanted["channel"])
        if "template" in wanted:
            messages = messages.filter(template__code=wanted["template"])
        paginator = MessageCursor()
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        operation_id="messages_create",
        summary="Send a text or an e-mail about a case (the engine decides it now)",
        description=(
            "The template's current version in the borrower's language (else English), filled in for the "
            "case. The compliance engine decides it at once with the channel's rules (window in every "
            "implied zone, caps per day and per 7 days per debt, consent, opt-out of the medium, the "
            "address's provenance, holds); allowed, the contact is reserved and the message is `queued` "
            "(201) and sent after the commit; refused, it is kept `refused` and the answer is 409 with "
            "the reasons and `next_allowed_at`. Agents send on their own cases, team leads on their "
            "team's, supervisors on any; tokens need the `messages` scope."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=MessageCreateSerializer,
        responses={
            201: MessageQueuedSerializer,
            409: OpenApiResponse(MessageRefusedSerializer, description="Not allowed now: why and when."),
            400: error("Malformed, or a template, phone or address that does not fit; nothing was written.", code="invalid", message="A text goes to one of the borrower's phones.", errors={"phone_id": ["Not this borrower's."]}),
            403: DENIED, 404: NOT_FOUND, 422: IDEMPOTENCY_REUSED,
        },
        examples=[
            OpenApiExample("A text", value={"case_id": 812, "template": "pre_due_sms", "channel": "sms", "phone_id": 1530}, request_only=True),
            OpenApiExample("An e-mail", value={"case_id": 812, "template": "pre_due_email", "email_id": 77}, request_only=True),
            OpenApiExample("Queued", value=QUEUED_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Refused", value=REFUSED_EXAMPLE, response_only=True, status_codes=["409"]),
        ],
    )  # fmt: skip
    @idempotent
    def post(self, request: Request) -> Response:
        body = MessageCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        integration = integration_of(request)
        cases = Case.objects.all() if integration is not None else cases_workable_by(request.user)
        case = cases.select_related("account__borrower").filter(pk=data["case_id"]).first()
        if case is None:
            raise DomainError(_("No such case."), code=ErrorCode.NOT_FOUND)
        decided = message_create(
            case=case,
            template_code=data["template"],
            phone=_address(Phone, data.get("phone_id"), "phone_id"),
            email=_address(EmailAddress, data.get("email_id"), "email_id"),
            channel=data.get("channel"),
            agent=None if integration is not None else request.user,  # type: ignore[arg-type]
            source=ContactAttempt.Source.DIALER if integration is not None else ContactAttempt.Source.AGENT,
            at=clock.now(),
        )
        message = Message.objects.select_related("template", "agent").get(pk=decided.message.pk)
        if not decided.allowed:
            refused = {
                "message": _("The engine does not allow this message now."),
                "errors": {},
                "code": "not_allowed",
                "message_id": message.pk,
                "decision": decided.decision,
            }
            return Response(MessageRefusedSerializer(refused).data, status=status.HTTP_409_CONFLICT)
        messages_send_after_commit([message.pk])
        return Response(MessageQueuedSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailView(DialerView):
    permission_classes = [MessageAccess]

    @extend_schema(
        operation_id="messages_read",
        summary="One message: its status, its text as sent and the engine's decision",
        responses={200: MessageDetailSerializer, 403: DENIED, 404: NOT_FOUND},
        examples=[OpenApiExample("A delivered text", value=DETAIL_EXAMPLE, response_only=True)],
    )  # fmt: skip
    def get(self, request: Request, message_id: str) -> Response:
        found = _visible(request).filter(pk=int(message_id)).first() if message_id.isdigit() and len(message_id) < 19 else None
        if found is None:
            raise DomainError(_("No such message (or not one you may see)."), code=ErrorCode.NOT_FOUND)
        return Response(MessageDetailSerializer(found).data)


class MessageTemplateListView(DialerView):
    permission_classes = [MessageAccess]

    @extend_schema(
        operation_id="message_templates_list",
        summary="The message templates in use: the current version of each code and language",
        parameters=[OpenApiParameter("channel", str, enum=MessageTemplate.Channel.values)],
        responses={200: MessageTemplateSerializer(many=True), 403: DENIED},
        examples=[OpenApiExample("The templates", value=[TEMPLATE_EXAMPLE], response_only=True)],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        channel = request.query_params.get("channel")
        if channel is not None and channel not in MessageTemplate.Channel.values:
            raise DomainError(_("Unknown channel."), errors={"channel": [_("sms, email or voicemail.")]})
        templates = templates_current()
        if channel:
            templates = templates.filter(channel=channel)
        return Response(MessageTemplateSerializer(templates, many=True).data)
