"""The OpenAPI schema's one addition to drf-spectacular: the refusals every operation can answer.

An integrator reads the schema to know what can come back. Every API view answers its refusals
with the error body of DESIGN.md section 10, through the one exception handler: bad input (400), no
or a bad credential (401), a role or scope that may not (403), an object that is not there or not
visible (404), a body over the size limit (413) and a rate limit (429). A view that declares one of
these itself (a more precise description, an example) keeps its own; the rest are added here, so
that no answer the API gives is missing from the contract.

An operation declares only the credentials its permissions accept: the dialer's endpoints list the
token alone (a session is refused there), the call reviews the session alone.

The headers a client may read are declared here too, in one place: ``WWW-Authenticate`` on every
401, ``Retry-After`` on every 429, and ``Idempotent-Replayed`` on the answers of an operation that
takes ``Idempotency-Key`` (a retry gets the first answer again, marked so).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from config.api import ErrorSerializer


def _refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_INPUT = _refusal("Bad input in the query or body (the problems by field); nothing was changed.")
NOT_AUTHENTICATED = _refusal("No credential, or a wrong, revoked or expired one.")
DENIED = _refusal("The caller's role or token scope may not do this.")
NOT_FOUND = _refusal("No such object, or not one the caller may see.")
TOO_LARGE = _refusal("The request body is over the size limit.")
THROTTLED = _refusal("Too many requests; retry after the Retry-After header's seconds.")
WRITES = ("POST", "PUT", "PATCH")
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The answers a retry cannot replay: refused before the first request's answer is looked up.
NOT_REPLAYED = ("401", "403", "413", "422", "429")
HEADERS: dict[str, dict[str, Any]] = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "The scheme to authenticate with: `Token` (send `Authorization: Token <key>` or `Bearer <key>`).",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "Seconds to wait before trying again.",
        }
    },
}
REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present (`true`) when this is the stored answer to an earlier request with the same Idempotency-Key.",
    }
}


INT32 = (-(2**31), 2**31 - 1)


def _portable_bounds(field: Any, content: dict[str, Any]) -> None:
    """An integer model field's bounds as PostgreSQL has them, whichever database built the schema.

    Django bounds an ``IntegerField`` by the database's range (SQLite's is 64-bit for every integer
    type, PostgreSQL's the column's); a ModelSerializer copies them, so the schema said int64 on SQLite
    and int32 on PostgreSQL. A bound that is this database's range is replaced by the column type's
    (Django's default ranges, PostgreSQL's); a bound the model or serializer set itself is kept.
    """
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None:
        return
    try:
        internal_type = model._meta.get_field(field.source).get_internal_type()
    except FieldDoesNotExist:  # a source that is no model field (a path, a method): bounds of its own
        return
    portable = BaseDatabaseOperations.integer_field_ranges.get(internal_type)
    if portable is None:
        return
    here = connection.ops.integer_field_range(internal_type)
    for key, ours, theirs in (("minimum", here[0], portable[0]), ("maximum", here[1], portable[1])):
        if ours is not None and content.get(key) == ours:
            content[key] = theirs
    if content.get("format") == "int64" and all(
        INT32[0] <= int(content.get(key, 0)) <= INT32[1] for key in ("minimum", "maximum")
    ):
        del content["format"]


# drf-spectacular's name for the session (``SessionAuthentication``); every other scheme is a token's.
SESSION_SCHEME = "cookieAuth"


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the refusals of the error contract on every operation."""

    def get_auth(self) -> list[dict[str, Any]]:
        # Every endpoint authenticates the same way (a token, then a session), but some permissions
        # let only one kind in: a permission class says so with ``refuses_sessions`` or
        # ``refuses_tokens``, and the operation declares only the credentials it accepts.
        auths: list[dict[str, Any]] = super().get_auth()
        if self._refused("refuses_sessions"):
            auths = [auth for auth in auths if SESSION_SCHEME not in auth]
        if self._refused("refuses_tokens"):
            auths = [auth for auth in auths if not auth or SESSION_SCHEME in auth]
        return auths

    def _refused(self, marker: str) -> bool:
        return any(getattr(cls, marker, False) for cls in getattr(self.view, "permission_classes", ()))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/"):
            return responses
        for code, refusal in self._refusals().items():
            responses.setdefault(code, self._get_response_for_code(refusal, code, direction=direction))
        return responses

    def _resolve_path_parameters(self, variables: Any) -> list[dict[str, Any]]:
        # An object's id the view parses itself (``re_path`` with ``[^/]+``, so that any text reaches
        # the view and is its JSON 404) is an integer id all the same: declared so, a generated client
        # takes an int (complaints, disputes, messages, call reviews).
        parameters: list[dict[str, Any]] = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["name"].endswith("_id") and parameter["schema"] == {"type": "string", "pattern": "^[^/]+$"}:
                parameter["schema"] = {"type": "integer"}
        return parameters

    def map_parsers(self) -> list[str]:
        # JSON is the API's contract: a body is declared as JSON alone even where DRF's form parsers
        # would read it too. Three content types for an optional body made openapi-python-client
        # write a module that does not import (cases/{id}/assign/, cases/{id}/extensions/).
        types: list[str] = super().map_parsers()
        if self.path.startswith("/api/") and "application/json" in types:
            return ["application/json"]
        return types

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> dict[str, Any]:
        content: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.IntegerField) and content.get("type") == "integer":
            _portable_bounds(field, content)
        return content

    def _get_serializer_name(self, serializer: Any, direction: Any, bypass_extensions: bool = False) -> str:
        # A request body's component is named "...Request" (COMPONENT_SPLIT_REQUEST); a serializer
        # already named for the request (DialAuthorizationRequestSerializer) says it once, not twice.
        name: str = super()._get_serializer_name(serializer, direction, bypass_extensions)
        if direction == "request" and name.endswith("RequestRequest"):
            name = name.removesuffix("Request")
        return name

    def _get_response_headers_for_code(self, status_code: Any, direction: Any = "response") -> dict[str, Any]:
        headers: dict[str, Any] = super()._get_response_headers_for_code(status_code, direction)
        if not self.path.startswith("/api/"):
            return headers
        code = str(status_code)
        for name, header in HEADERS.get(code, {}).items():
            headers.setdefault(name, header)
        if code not in NOT_REPLAYED and self._takes_idempotency_key():
            for name, header in REPLAYED.items():
                headers.setdefault(name, header)
        return headers

    def _takes_idempotency_key(self) -> bool:
        return any(
            isinstance(parameter, OpenApiParameter) and parameter.name == IDEMPOTENCY_HEADER
            for parameter in self.get_override_parameters()
        )

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
