"""The SMS provider's callbacks: ``POST /api/v1/integrations/sms/{integration}/status/`` (delivery
statuses) and ``.../inbound/`` (replies), in the Twilio-compatible shape (form-encoded).

No token is needed: the provider signs each call (``X-Twilio-Signature``) with the account's auth token, and
a call whose signature does not match is refused (403) before anything is read. ``{integration}`` is
the name of the SMS provider in the settings (``MESSAGING_SMS_INTEGRATION``); another name is 404.
The signed URL is ``MESSAGING_CALLBACK_BASE_URL`` plus the path (the address the provider was given),
else the URL the request arrived on. A replayed callback changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collections_app.api.dialer.auth import IntegrationTokenAuthentication
from collections_app.api.dialer.base import error
from collections_app.services.message_providers import CallbackProvider, provider_for
from collections_app.services.message_sending import inbound_record, message_status_apply
from config.errors import DomainError, ErrorCode

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

NOT_THIS_PROVIDER = error(
    "No SMS provider of this name is configured.",
    code="not_found",
    message="No SMS provider of this name.",
    errors={"integration": ["Unknown integration."]},
)
BAD_SIGNATURE = error(
    "The signature does not match; nothing was read or written.",
    code="not_authorized",
    message="The callback's signature is not valid.",
    errors={"X-Twilio-Signature": ["Does not match."]},
)
MISSING = error(
    "A field the callback needs is missing; nothing was written.",
    code="invalid",
    message="Invalid input.",
    errors={"MessageSid": ["This field is required."]},
)

STATUS_FORM = inline_serializer(
    "SmsStatusCallback",
    fields={
        "MessageSid": serializers.CharField(),
        "MessageStatus": serializers.CharField(
            help_text="queued, sending, sent, delivered, undelivered, failed"
        ),
        "ErrorCode": serializers.CharField(required=False),
        "AccountSid": serializers.CharField(required=False),
        "To": serializers.CharField(required=False),
        "From": serializers.CharField(required=False),
    },
)
INBOUND_FORM = inline_serializer(
    "SmsInboundCallback",
    fields={
        "MessageSid": serializers.CharField(),
        "From": serializers.CharField(help_text="The borrower's number (E.164)."),
        "Body": serializers.CharField(
            allow_blank=True, help_text="STOP, 退订 ... opt the number out of texts."
        ),
        "To": serializers.CharField(required=False),
        "AccountSid": serializers.CharField(required=False),
    },
)


class SmsCallbackView(APIView):
    # The provider sends no token (its signature is the credential); a token that is sent all the same
    # is checked as on every endpoint, so a wrong or revoked one is 401.
    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes = [FormParser]

    def provider(self, integration: str) -> CallbackProvider:
        provider = provider_for("sms")
        if provider.name != integration or not hasattr(provider, "callback_valid"):
            raise DomainError(
                _("No SMS provider of this name."),
                code=ErrorCode.NOT_FOUND,
                errors={"integration": [_("Unknown integration.")]},
            )
        return provider  # type: ignore[return-value]

    def verified(self, request: Request, integration: str) -> tuple[CallbackProvider, dict[str, list[str]]]:
        """The provider and the callback's parameters, once its signature is checked (else 403)."""
        provider = self.provider(integration)
        form = request.data if isinstance(request.data, QueryDict) else QueryDict()
        params = {name: [str(v) for v in values] for name, values in form.lists()}
        base = settings.MESSAGING_CALLBACK_BASE_URL
        url = f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not provider.callback_valid(url=url, params=params, signature=signature):
            raise DomainError(
                _("The callback's signature is not valid."),
                code=ErrorCode.NOT_AUTHORIZED,
                errors={"X-Twilio-Signature": [_("Does not match.")]},
            )
        missing = [name for name in self.required if not (params.get(name) or [""])[0]]
        if missing:
            raise DomainError(
                _("Invalid input."), errors={name: [_("This field is required.")] for name in missing}
            )
        return provider, params

    required: tuple[str, ...] = ()


def _first(params: dict[str, list[str]], name: str) -> str:
    return (params.get(name) or [""])[0]


class SmsStatusCallbackView(SmsCallbackView):
    required = ("MessageSid", "MessageStatus")

    @extend_schema(
        operation_id="sms_status_callback",
        tags=["messaging"],
        summary="A delivery status from the SMS provider (signed)",
        request={"application/x-www-form-urlencoded": STATUS_FORM},
        responses={
            200: OpenApiResponse(
                inline_serializer("SmsStatusApplied", fields={"changed": serializers.BooleanField()}),
                description="Applied; `changed` is false for a replay, an unknown message or a status behind.",
                examples=[OpenApiExample("delivered", value={"changed": True}, response_only=True)],
            ),
            400: MISSING,
            403: BAD_SIGNATURE,
            404: NOT_THIS_PROVIDER,
        },
        examples=[
            OpenApiExample(
                "delivered",
                value={"MessageSid": "SM0123456789abcdef", "MessageStatus": "delivered", "AccountSid": "AC1"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, integration: str) -> Response:
        provider, params = self.verified(request, integration)
        changed = message_status_apply(
            provider_name=provider.name,
            provider_message_id=_first(params, "MessageSid"),
            provider_status=_first(params, "MessageStatus"),
            error_code=_first(params, "ErrorCode"),
        )
        return Response({"changed": changed})


class SmsInboundCallbackView(SmsCallbackView):
    required = ("MessageSid", "From")

    @extend_schema(
        operation_id="sms_inbound_callback",
        tags=["messaging"],
        summary="A borrower's reply through the SMS provider (signed); a STOP word opts the number out",
        request={"application/x-www-form-urlencoded": INBOUND_FORM},
        responses={
            (200, "text/xml"): OpenApiResponse(OpenApiTypes.STR, description="An empty TwiML answer."),
            400: MISSING,
            403: BAD_SIGNATURE,
            404: NOT_THIS_PROVIDER,
        },
        examples=[
            OpenApiExample(
                "stop",
                value={"MessageSid": "SM9", "From": "+12125550100", "To": "+12125550199", "Body": "STOP"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, integration: str) -> HttpResponse:
        provider, params = self.verified(request, integration)
        inbound_record(
            integration=provider.name,
            provider_message_id=_first(params, "MessageSid")[:64],
            from_number=_first(params, "From"),
            body=_first(params, "Body"),
        )
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
