"""VICIdial's Dispo Call URL: ``GET /api/v1/integrations/vicidial/dispo/?token=...&call_id=...``.

VICIdial fills its own hopper (from the call list) and, after the agent dispositions a call, sends
one GET with the campaign's URL variables filled in, once, unsigned. So the token travels in the
query string, and the call is recorded after the fact: the engine judges it at the instant it was
placed (now less the talk time) and a call it would have refused is recorded all the same, marked
``allowed: false`` and audited. The same ``call_id`` twice is one call. The campaign's Dispo Call URL:

    VARhttps://HOST/api/v1/integrations/vicidial/dispo/?token=TOKEN&call_id=--A--call_id--B--
    &lead_id=--A--lead_id--B--&vendor_lead_code=--A--vendor_lead_code--B--
    &phone_code=--A--phone_code--B--&phone_number=--A--phone_number--B--&dispo=--A--dispo--B--
    &talk_time=--A--talk_time--B--&user=--A--user--B--&recording_filename=--A--recording_filename--B--

``vendor_lead_code`` is the call list's ``<case_id>-<phone_id>``; without it the number
(``phone_code`` + ``phone_number``) must match exactly one phone of the book.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Phone
from accounts.services.phones import PhoneNumberInvalid, phone_normalise
from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.auth import QueryTokenAuthentication
from collections_app.api.dialer.base import BAD_INPUT, REFUSALS, DialerView, error
from collections_app.api.dialer.permissions import integration_of
from collections_app.models import Agent, Case
from collections_app.services.dialer.after_the_fact import dialer_call_after_the_fact
from config.errors import DomainError
from config.pii import phone_index

LEAD_CODE = re.compile(r"^(?P<case>\d{1,18})-(?P<phone>\d{1,18})$")


def _not_found(field: str, message: str) -> DomainError:
    return DomainError(message, code="not_found", errors={field: [message]})


def _target(data: dict[str, Any]) -> tuple[Phone, Case | None]:
    """The phone (and case) a VICIdial lead stands for."""
    match = LEAD_CODE.match(data.get("vendor_lead_code") or "")
    if match:
        case = Case.objects.select_related("account").filter(pk=int(match["case"])).first()
        phone = Phone.objects.select_related("borrower").filter(pk=int(match["phone"])).first()
        if case is None or phone is None or phone.borrower_id != case.account.borrower_id:
            raise _not_found("vendor_lead_code", _("No case and phone of ours match this lead code."))
        return phone, case if case.status == Case.Status.OPEN else None
    digits = re.sub(r"\D", "", data.get("phone_number") or "")
    if not digits:
        raise DomainError(
            _("Which lead? Send vendor_lead_code (<case_id>-<phone_id>) or the phone number."),
            errors={"vendor_lead_code": [_("Required without phone_number.")]},
        )
    code = re.sub(r"\D", "", data.get("phone_code") or "") or "1"
    try:
        number = phone_normalise(number=f"+{code}{digits}", country="").e164
    except PhoneNumberInvalid as exc:
        raise DomainError(_("The number is not valid."), errors={"phone_number": [str(exc)]}) from exc
    # Numbers are encrypted at rest: found by their blind index.
    phones = list(Phone.objects.select_related("borrower").filter(number_index=phone_index(number))[:2])
    if len(phones) != 1:
        if not phones:
            raise _not_found("phone_number", _("No phone of ours has this number."))
        raise DomainError(
            _("Several borrowers have this number: send vendor_lead_code."),
            code="ambiguous",
            errors={"phone_number": [_("Ambiguous.")]},
        )
    return phones[0], None


class VicidialDispoView(DialerView):
    authentication_classes = [QueryTokenAuthentication]

    @extend_schema(
        operation_id="vicidial_dispo",
        summary="VICIdial's Dispo Call URL",
        description=(
            "Set the campaign's Dispo Call URL to `VARhttps://HOST/api/v1/integrations/vicidial/dispo/?token=TOKEN"
            "&call_id=--A--call_id--B--&lead_id=--A--lead_id--B--&vendor_lead_code=--A--vendor_lead_code--B--"
            "&phone_code=--A--phone_code--B--&phone_number=--A--phone_number--B--&dispo=--A--dispo--B--"
            "&talk_time=--A--talk_time--B--&user=--A--user--B--&recording_filename=--A--recording_filename--B--`. "
            "The call is recorded after the fact, judged by the engine at the instant it was placed; the "
            "same call_id twice is one call. VICIdial's statuses are mapped through the integration's "
            "disposition mappings."
        ),
        parameters=[s.VicidialDispoQuerySerializer],
        responses={
            200: s.VicidialDispoResultSerializer,
            400: BAD_INPUT,
            404: error("No lead of ours matches.", code="not_found", message="No case and phone of ours match this lead code."),
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "Recorded",
                value={
                    "status": "accepted", "external_call_id": "M4071400050000012345", "attempt_id": 9121,
                    "disposition": "no_answer", "allowed": True, "reasons": [],
                },
                response_only=True,
            )
        ],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        integration = integration_of(request)
        assert integration is not None
        query = s.VicidialDispoQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        phone, case = _target(data)
        username = data.get("user") or data.get("agent_user")
        agent = Agent.objects.select_related("user").filter(user__username=username).first() if username else None
        recorded = dialer_call_after_the_fact(
            integration=integration,
            external_call_id=data["call_id"],
            phone=phone,
            case=case,
            disposition=data["dispo"],
            talk_seconds=data.get("talk_time", 0),
            agent=agent.user if agent else None,
            recording_ref=data.get("recording_filename", ""),
        )
        answer = {
            "status": "duplicate" if recorded is None else "accepted",
            "external_call_id": data["call_id"],
            "recorded": recorded,
            "reasons": recorded.decision.reasons if recorded is not None else [],
        }
        return Response(s.body(s.VicidialDispoResultSerializer, answer))
