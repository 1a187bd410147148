"""The OpenAPI schema's one addition to drf-spectacular: the refusals every operation can answer.

An integrator reads the schema to know what can come back. Every API view answers its refusals
with the error body of DESIGN.md section 10, through the one exception handler: bad input (400), no
or a bad credential (401), a role or scope that may not (403), an object that is not there or not
visible (404), a body over the size limit (413) and a rate limit (429). A view that declares one of
these itself (a more precise description, an example) keeps its own; the rest are added here, so
that no answer the API gives is missing from the contract.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ApiErrorSerializer(serializers.Serializer):
    """The error body: a sentence, the problems by field (``__all__`` for none) and a machine code."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]
    code = serializers.CharField()


def _refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=description)


BAD_INPUT = _refusal("Bad input in the query or body (the problems by field); nothing was changed.")
NOT_AUTHENTICATED = _refusal("No credential, or a wrong, revoked or expired one.")
DENIED = _refusal("The caller's role or token scope may not do this.")
NOT_FOUND = _refusal("No such object, or not one the caller may see.")
TOO_LARGE = _refusal("The request body is over the size limit.")
THROTTLED = _refusal("Too many requests; retry after the Retry-After header's seconds.")
WRITES = ("POST", "PUT", "PATCH")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the refusals of the error contract on every operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/"):
            return responses
        for code, refusal in self._refusals().items():
            responses.setdefault(code, self._get_response_for_code(refusal, code, direction=direction))
        return responses

    def _refusals(self) -> dict[str, OpenApiResponse]:
        # Any operation may meet bad input: a body, a query parameter, a cursor, an instant.
        refusals: dict[str, OpenApiResponse] = {"400": BAD_INPUT}
        # A wrong credential is refused even where none is needed: authentication runs first.
        refusals["401"] = NOT_AUTHENTICATED
        if not self._is_public():
            refusals["403"] = DENIED
        if "{" in self.path:
            refusals["404"] = NOT_FOUND
        if self.method in WRITES:
            refusals["413"] = TOO_LARGE
        if getattr(self.view, "throttle_classes", None):
            refusals["429"] = THROTTLED
        return refusals

    def _is_public(self) -> bool:
        classes = getattr(self.view, "permission_classes", ())
        return bool(classes) and all(cls is permissions.AllowAny for cls in classes)
