"""The one exception type for business-rule failures, shared by every app."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused an action. ``errors`` maps field names to messages (``__all__`` for none).

    Services raise it; the API handler turns it into the documented error body and the CLI prints
    ``message`` and ``errors``. ``status`` is the HTTP status the API answers with.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        errors: dict[str, list[str]] | None = None,
        status: int = 400,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}
        self.status = status
        self.extra = extra or {}

    def as_body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": self.errors, "code": self.code, **self.extra}
