"""API plumbing shared by every app: the error body of DESIGN.md section 10.

``exception_handler`` turns every error a view raises into ``{"message", "errors", "code"}``. What
happens before a view runs, or with no view at all, goes through it too: Django's error handlers
(``config.error_pages``) answer a path under ``/api/`` with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import DomainError, ErrorCode
from .instants import instant_parse, instant_problem

logger = logging.getLogger(__name__)


class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant with its UTC offset, within the range of ``config.instants``.

    Every API field that takes an instant is one of these: a naive time, ``9999-12-31T23:59:59Z`` or
    ``0001-01-01T00:00:00Z`` is a 400 naming the field, never an overflow further in.
    """

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            problem = instant_problem(value)
            if problem:
                raise exceptions.ValidationError(problem, code="invalid")
            return value.astimezone(dt.UTC)
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]]+HH:MM|Z")
        try:
            return instant_parse(value)
        except ValueError as exc:
            raise exceptions.ValidationError(str(exc), code="invalid") from exc


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{key}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        out[f"{key}[{index}].{sub}"] = messages
            elif isinstance(value, list):
                out[str(key)] = [str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"__all__": [str(v) for v in detail]}
    return {"__all__": [str(detail)]} if detail else {}


# The HTTP status of each refusal a service raises: the one place a domain error meets HTTP.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorCode.NOT_ELIGIBLE: status.HTTP_400_BAD_REQUEST,
    ErrorCode.OPEN_REQUEST: status.HTTP_400_BAD_REQUEST,
    ErrorCode.CONTACT_NOT_ALLOWED: status.HTTP_400_BAD_REQUEST,
    ErrorCode.PROMISE_REFUSED: status.HTTP_400_BAD_REQUEST,
    ErrorCode.PARSE_ERROR: status.HTTP_400_BAD_REQUEST,
    ErrorCode.BAD_REQUEST: status.HTTP_400_BAD_REQUEST,
    ErrorCode.NOT_AUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.AUTHENTICATION_FAILED: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.TOKEN_INVALID: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.TOKEN_MALFORMED: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.TOKEN_REVOKED: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.TOKEN_EXPIRED: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.USER_INACTIVE: status.HTTP_401_UNAUTHORIZED,
    ErrorCode.NOT_AUTHORIZED: status.HTTP_403_FORBIDDEN,
    ErrorCode.PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    ErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.AUTHORIZATION_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.CALL_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.METHOD_NOT_ALLOWED: status.HTTP_405_METHOD_NOT_ALLOWED,
    ErrorCode.NOT_ACCEPTABLE: status.HTTP_406_NOT_ACCEPTABLE,
    ErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorCode.NOT_ALLOWED: status.HTTP_409_CONFLICT,
    ErrorCode.AMBIGUOUS: status.HTTP_409_CONFLICT,
    ErrorCode.ATTEMPT_REPORTED: status.HTTP_409_CONFLICT,
    ErrorCode.ATTEMPT_NOT_RESERVED: status.HTTP_409_CONFLICT,
    ErrorCode.AUTHORIZATION_USED: status.HTTP_409_CONFLICT,
    ErrorCode.AUTHORIZATION_RELEASED: status.HTTP_409_CONFLICT,
    ErrorCode.AUTHORIZATION_EXPIRED: status.HTTP_409_CONFLICT,
    ErrorCode.CALL_OPEN: status.HTTP_409_CONFLICT,
    ErrorCode.CALL_ID_IN_USE: status.HTTP_409_CONFLICT,
    ErrorCode.CALL_COMPLETED: status.HTTP_409_CONFLICT,
    ErrorCode.RESULT_CONFLICT: status.HTTP_409_CONFLICT,
    ErrorCode.WRONG_STATUS: status.HTTP_409_CONFLICT,
    ErrorCode.SCHEDULE_CHANGED: status.HTTP_409_CONFLICT,
    ErrorCode.DOWN_PAYMENT_MISSING: status.HTTP_409_CONFLICT,
    ErrorCode.REVOKED: status.HTTP_409_CONFLICT,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorCode.NO_DEBT: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorCode.PAYLOAD_TOO_LARGE: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.THROTTLED: status.HTTP_429_TOO_MANY_REQUESTS,
    ErrorCode.ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
    ErrorCode.SERVER_ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
    ErrorCode.DATABASE_ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
    ErrorCode.DATABASE_UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}
# The schema's ``ErrorCodeEnum`` (settings.SPECTACULAR_SETTINGS): every code an error body carries.
ERROR_CODES = [code.value for code in ErrorCode]


# The one error body of the whole API, as the schema declares it: ``exception_handler`` below writes
# it, and a refusal that says more (the engine's reasons) extends it. Never used to validate, so the
# declared ``errors`` field does not replace ``Serializer.errors``.
class ErrorSerializer(serializers.Serializer):
    """The error body: a sentence, the problems by field (``__all__`` for none) and a machine code."""

    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The problems by field: its path (loans[3].installments[1].due_date) -> reasons; __all__ for none.",
    )
    code = serializers.ChoiceField(choices=ERROR_CODES, help_text="What was refused, for a program to act on.")


def _known(code: Any) -> str:
    """A code the schema declares: an exception's own code outside ``ErrorCode`` is answered as ``error``."""
    if isinstance(code, str) and code in ErrorCode._value2member_map_:
        return code
    logger.error("an API error with an undeclared code %r answered as 'error'", code)
    return ErrorCode.ERROR.value


def database_error_response(exc: DatabaseError) -> Response:
    """A database error no service expected, in the error body (its traceback goes to the log).

    The request's transaction rolled back with it: an all-or-nothing batch wrote nothing. A busy or
    unreachable database (``OperationalError``: deadlock, lock or statement timeout, lost connection)
    is 503 with ``Retry-After``; anything else (a constraint or a trigger refusing a row) is 500.
    """
    logger.error("database error in an API request", exc_info=exc)
    set_rollback()
    if isinstance(exc, OperationalError):
        body = {
            "message": _("The database is busy or unreachable; the request was not completed. Try again shortly."),
            "errors": {},
            "code": ErrorCode.DATABASE_UNAVAILABLE.value,
        }
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    body = {
        "message": _("The database refused the request; it was not completed. If it fails again, report it."),
        "errors": {},
        "code": ErrorCode.DATABASE_ERROR.value,
    }
    return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


class PayloadTooLarge(exceptions.APIException):
    """A request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: nothing of it was read or written."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        super().__init__(
            _("The request body is larger than the %(limit)s bytes this API takes; send it in smaller batches.")
            % {"limit": limit}
        )


class ServerError(exceptions.APIException):
    default_detail = "A server error occurred; the request was not completed. If it fails again, report it."
    default_code = "server_error"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error as ``{"message", "errors", "code"}``."""
    if isinstance(exc, DomainError):
        return Response(exc.as_body(), status=HTTP_STATUS[exc.code])
    if isinstance(exc, DatabaseError):
        return database_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return Response({"message": "Invalid input.", "errors": errors, "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation | BadRequest):  # what Django answers 400 (a bad Host, too many fields)
        logger.warning("bad request refused: %s", type(exc).__name__)
        exc = exceptions.ParseError(_("Bad request."), code="bad_request")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body: dict[str, Any] = {"message": "Invalid input.", "errors": _flatten(exc.detail), "code": "invalid"}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else "Request failed."
        code = _known(exc.get_codes()) if not isinstance(detail, dict | list) else ErrorCode.ERROR.value
        body = {"message": message, "errors": {}, "code": code}
    else:  # pragma: no cover - DRF only handles APIException subclasses
        body = {"message": "Request failed.", "errors": {}, "code": "error"}
    response.data = body
    return response

