"""The one exception type for business-rule failures, and the codes it carries, shared by every app."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every ``code`` an error body carries: what a rule refused, and what the API itself answers
    (a credential, a parse, a limit). The API handler (``config.api``) maps each to its HTTP status;
    services and the engine never name a status. The schema declares ``Error.code`` as this enum, so
    a client generated from it gets the whole set (a code outside it is answered as ``error``)."""

    # 400: the input breaks a rule
    INVALID = "invalid"
    NOT_ELIGIBLE = "not_eligible"
    OPEN_REQUEST = "open_request"
    CONTACT_NOT_ALLOWED = "contact_not_allowed"
    PROMISE_REFUSED = "promise_refused"  # well-formed, but the promise rules refuse it (by field)
    PARSE_ERROR = "parse_error"  # the body does not parse (JSON, UTF-8)
    BAD_REQUEST = "bad_request"  # a request Django refuses before any view (a bad Host)
    # 401: no credential, or a wrong one (the API's authentication)
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    TOKEN_INVALID = "token_invalid"
    TOKEN_MALFORMED = "token_malformed"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_EXPIRED = "token_expired"
    USER_INACTIVE = "user_inactive"
    # 403: the actor may not do this
    NOT_AUTHORIZED = "not_authorized"
    PERMISSION_DENIED = "permission_denied"  # the role or the token's scope (the API's permissions)
    # 404: no such thing (of the caller's)
    NOT_FOUND = "not_found"
    AUTHORIZATION_NOT_FOUND = "authorization_not_found"
    CALL_NOT_FOUND = "call_not_found"
    # 405, 406: a method or an Accept header the endpoint does not take
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    # 409: the state changed or another request holds it, or the engine does not allow it now
    CONFLICT = "conflict"
    NOT_ALLOWED = "not_allowed"
    AMBIGUOUS = "ambiguous"
    ATTEMPT_REPORTED = "attempt_reported"
    ATTEMPT_NOT_RESERVED = "attempt_not_reserved"
    AUTHORIZATION_USED = "authorization_used"
    AUTHORIZATION_RELEASED = "authorization_released"
    AUTHORIZATION_EXPIRED = "authorization_expired"
    CALL_OPEN = "call_open"
    CALL_ID_IN_USE = "call_id_in_use"
    CALL_COMPLETED = "call_completed"
    RESULT_CONFLICT = "result_conflict"
    WRONG_STATUS = "wrong_status"
    SCHEDULE_CHANGED = "schedule_changed"
    DOWN_PAYMENT_MISSING = "down_payment_missing"
    REVOKED = "revoked"
    # 422: well-formed, but it cannot be processed
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    NO_DEBT = "no_debt"
    # The API's limits and failures
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415
    THROTTLED = "throttled"  # 429
    ERROR = "error"  # 500: a failure with no code of its own
    SERVER_ERROR = "server_error"  # 500
    DATABASE_ERROR = "database_error"  # 500
    DATABASE_UNAVAILABLE = "database_unavailable"  # 503


class DomainError(Exception):
    """A rule refused an action. ``errors`` maps field names to messages (``__all__`` for none).

    Services raise it with an ``ErrorCode``; the API handler turns it into the documented error body
    with the code's HTTP status, and the CLI prints ``message`` and ``errors``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str = ErrorCode.INVALID,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = ErrorCode(code)
        self.errors = errors or {}
        self.extra = extra or {}

    def as_body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": self.errors, "code": self.code.value, **self.extra}
