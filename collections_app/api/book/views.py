"""Core-system API: load the book, post payments. Administrators only (later: integration tokens).

Thin views: the services read and validate the body (see ``collections_app.api.book.serializers``) and raise
``DomainError``, which ``config.api.exception_handler`` answers as ``{"message", "errors", "code"}``.

Status codes of ``POST /api/v1/payments/``: 201 when at least one payment was created, 200 when
every payment was a replay of a stored one (idempotent by external id), 400 on bad input, and
409 (code ``conflict``) when the only problem is an external id already used with other values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collections_app.api.book.permissions import IsAdministrator
from collections_app.api.book.serializers import (
    BookImportJobSerializer,
    BookImportResultSerializer,
    BookImportSerializer,
    PaymentBatchResultSerializer,
    PaymentBatchSerializer,
    PaymentInSerializer,
    PaymentOutSerializer,
)
from collections_app.models import BookImportJob
from collections_app.services.book import book_import_crediting, payments_import_crediting
from collections_app.services.book_jobs import book_import_job_create
from collections_app.tasks import book_import_job_queue
from config.api import ErrorSerializer
from config.errors import DomainError
from config.parsers import JSONParser

PAYMENT_EXAMPLE = {
    "external_id": "P1", "loan": "L1", "amount": "220.00", "received_at": "2026-02-01T10:00:00Z",
    "channel": "auto_debit",
}  # fmt: skip
TAPE_EXAMPLE = {
    "borrowers": [
        {
            "external_id": "B1", "name": "Ann Lee", "national_id": "123456789", "country": "US", "region": "NY",
            "postal_code": "10001", "timezone": "America/New_York", "language": "en",
            "phones": [{"number": "+12125550100", "type": "mobile", "owner": "borrower", "autodialer_consent": True}],
        }
    ],
    "loans": [
        {
            "external_id": "L1", "borrower": "B1", "product": "cash", "currency": "USD", "principal": "1200.00",
            "opened_on": "2026-01-01",
            "installments": [
                {"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00", "fee": "0.00",
                 "penalty": "0.00"}
            ],
        }
    ],
    "payments": [PAYMENT_EXAMPLE],
}  # fmt: skip
RESULT_EXAMPLE = {
    "borrowers": {"B1": 12},
    "loans": {"L1": 40},
    "phones": {"+12125550100": 33},
    "phones_by_borrower": {"B1": {"+12125550100": 33}},
    "payments": {"P1": 7},
    "created": {"borrowers": 1, "phones": 1, "emails": 0, "loans": 1, "installments": 1, "payments": 1},
    "updated": {"borrowers": 0, "phones": 0, "emails": 0, "loans": 0, "installments": 0, "payments": 0},
}
ERROR_EXAMPLE = {
    "message": "The batch was not imported (1 problem); nothing was written.",
    "errors": {"loans[0].installments[0].due_date": ["not a date (YYYY-MM-DD)"]},
    "code": "invalid",
}
PAYMENT_RESULT = PolymorphicProxySerializer(
    component_name="PaymentPostResult",
    serializers=[PaymentOutSerializer, PaymentBatchResultSerializer],
    resource_type_field_name=None,
)
REFUSALS = {
    401: OpenApiResponse(ErrorSerializer, description="No token or session, or a wrong, revoked or expired token."),
    403: OpenApiResponse(ErrorSerializer, description="Not an administrator or a core-system token."),
}


class BookImportView(APIView):
    """Batch upsert of borrowers, phones, loans, schedules and payments, all or nothing."""

    permission_classes = [IsAdministrator]
    parser_classes = [JSONParser]
    required_scope = "core:book"

    @extend_schema(
        operation_id="book_import",
        summary="Load the book (loan tape)",
        description=(
            "Upsert by external id (phones by borrower + number, installments by loan + seq). Every problem "
            "is reported at once, keyed by path, and then nothing is written. The answer maps every external "
            "id and phone number of the batch to its id here. A tape larger than BOOK_IMPORT_JOB_BYTES "
            "(4 MiB by default) is loaded in the background: 202 with the job, whose status_url answers "
            "its progress and then the same id map, or the same refusal naming the bad rows."
        ),
        request=BookImportSerializer,
        responses={
            200: BookImportResultSerializer,
            202: OpenApiResponse(
                BookImportJobSerializer, description="A large tape, queued: poll status_url for the answer."
            ),
            400: OpenApiResponse(ErrorSerializer, description="Bad rows; nothing was written."),
            **REFUSALS,
        },
        examples=[
            OpenApiExample("A one-borrower tape", value=TAPE_EXAMPLE, request_only=True),
            OpenApiExample("The id map", value=RESULT_EXAMPLE, response_only=True, status_codes=["200"]),
            OpenApiExample("A bad row", value=ERROR_EXAMPLE, response_only=True, status_codes=["400"]),
        ],
    )
    def post(self, request: Request) -> Response:
        if _body_size(request) > settings.BOOK_IMPORT_JOB_BYTES:
            return self._queue(request)
        result = book_import_crediting(data=request.data, actor=request.user)
        return Response(result.as_dict(), status=status.HTTP_200_OK)

    def _queue(self, request: Request) -> Response:
        if (request.content_type or "").split(";")[0].strip() != "application/json":
            raise UnsupportedMediaType(request.content_type)
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON parse error - not UTF-8.")) from exc
        job = book_import_job_create(body=text, requested_by=cast(User, request.user))  # IsAdministrator: never anonymous
        book_import_job_queue(job.pk)
        body = BookImportJobSerializer(_job_out(job)).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


class BookImportJobView(APIView):
    """A large tape's import: progress, then the answer. Only its sender may see it."""

    permission_classes = [IsAdministrator]
    required_scope = "core:book"

    @extend_schema(
        operation_id="book_import_job",
        summary="A background book import: progress and answer",
        description=(
            "rows_done of rows_total, then (status done) the id map the synchronous import answers, or "
            "(status refused) its error body naming every bad row: nothing was written. Another user's "
            "or integration's job is a 404."
        ),
        responses={
            200: BookImportJobSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such job of yours."),
            **REFUSALS,
        },
    )
    def get(self, request: Request, job_id: int) -> Response:
        job = get_object_or_404(BookImportJob.objects.defer("body"), pk=job_id, requested_by=request.user)
        return Response(BookImportJobSerializer(_job_out(job)).data)


def _body_size(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _job_out(job: BookImportJob) -> dict[str, Any]:
    fields = (
        "id", "status", "size_bytes", "rows_total", "rows_done", "result", "error", "created_at", "started_at",
        "finished_at",
    )  # fmt: skip
    return {
        **{name: getattr(job, name) for name in fields},
        "status_url": reverse("api-book-import-job", kwargs={"job_id": job.pk}),
    }


class PaymentPostView(APIView):
    """Post one payment or a batch, idempotent by external id."""

    permission_classes = [IsAdministrator]
    parser_classes = [JSONParser]
    required_scope = "core:payments"

    @extend_schema(
        operation_id="payments_post",
        summary="Post payments",
        description=(
            'One payment object, or {"payments": [...]} (all or nothing). The same payment sent again is '
            "one record (200); the same external id with other values is refused (409)."
        ),
        request=PolymorphicProxySerializer(
            component_name="PaymentPost",
            serializers=[PaymentInSerializer, PaymentBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: OpenApiResponse(PAYMENT_RESULT, description="At least one payment was created."),
            200: OpenApiResponse(PAYMENT_RESULT, description="Every payment was a replay of a stored one."),
            400: OpenApiResponse(ErrorSerializer, description="Bad input; nothing was written."),
            409: OpenApiResponse(
                ErrorSerializer, description="External id already used with other values."
            ),
            **REFUSALS,
        },
        examples=[
            OpenApiExample("One payment", value=PAYMENT_EXAMPLE, request_only=True),
            OpenApiExample("A batch", value={"payments": [PAYMENT_EXAMPLE]}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        rows, paths, batch = _payment_rows(request.data)
        posted = payments_import_crediting(rows=rows, paths=paths, actor=request.user)
        context = {"created": {payment.pk: created for payment, created in posted}}
        code = status.HTTP_201_CREATED if any(created for _p, created in posted) else status.HTTP_200_OK
        if batch:
            body = PaymentBatchResultSerializer({"payments": [p for p, _c in posted]}, context=context).data
        else:
            body = PaymentOutSerializer(posted[0][0], context=context).data
        return Response(body, status=code)


def _payment_rows(data: Any) -> tuple[list[Any], list[str] | None, bool]:
    """``{"payments": [...]}`` is a batch (paths ``payments[i]``); anything else is one payment (bare field names)."""
    if isinstance(data, Mapping) and "payments" in data:
        extra = sorted(str(key) for key in data if key != "payments")
        if extra or not isinstance(data["payments"], list):
            errors = {key: [_("unknown field")] for key in extra}
            if not isinstance(data["payments"], list):
                errors["payments"] = [_("must be a list")]
            raise DomainError(_("The payments were not posted; nothing was written."), errors=errors)
        return data["payments"], None, True
    return [data], [""], False
