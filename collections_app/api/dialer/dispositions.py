"""Our disposition codes, their flags and the integration's mappings.

Thin: the serializers check shapes; the services check the rules and raise ``DomainError``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer import serializers as s
from collections_app.api.dialer.base import (
    REFUSALS,
    DialerView,
)
from collections_app.api.dialer.shapes import request_integration
from collections_app.models import DispositionCode


class DispositionListView(DialerView):
    @extend_schema(
        operation_id="dispositions",
        summary="Our disposition codes, their flags, and this integration's mappings",
        responses={200: s.DispositionListSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Codes and mappings",
                value={
                    "results": [
                        {
                            "code": "no_answer", "label": "No answer", "category": "no_contact",
                            "conversation": False, "not_connected": False, "creates_promise": False,
                            "number_uncallable": False, "do_not_call": False, "dispute": False, "callback": False,
                            "cease": False, "deceased": False, "bankruptcy": False, "attorney": False,
                        }
                    ],
                    "mappings": [{"external_code": "NA", "code": "no_answer"}],
                },
                response_only=True,
            )
        ],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        integration = request_integration(request)
        codes = DispositionCode.objects.filter(is_active=True)
        mappings = integration.mappings.select_related("disposition").order_by("external_code")
        return Response(
            {
                "results": s.DispositionSerializer(codes, many=True).data,
                "mappings": [{"external_code": m.external_code, "code": m.disposition.code} for m in mappings],
            }
        )
