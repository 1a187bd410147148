"""The one exception type for business-rule failures, and the codes it carries, shared by every app."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """What a rule refused, in the error body's ``code``. The API handler (``config.api``) maps each
    to its HTTP status; services and the engine never name a status."""

    # 400: the input breaks a rule
    INVALID = "invalid"
    NOT_ELIGIBLE = "not_eligible"
    OPEN_REQUEST = "open_request"
    CONTACT_NOT_ALLOWED = "contact_not_allowed"
    PROMISE_REFUSED = "promise_refused"  # well-formed, but the promise rules refuse it (by field)
    # 403: the actor may not do this
    NOT_AUTHORIZED = "not_authorized"
    # 404: no such thing (of the caller's)
    NOT_FOUND = "not_found"
    AUTHORIZATION_NOT_FOUND = "authorization_not_found"
    CALL_NOT_FOUND = "call_not_found"
    # 409: the state changed or another request holds it
    CONFLICT = "conflict"
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
