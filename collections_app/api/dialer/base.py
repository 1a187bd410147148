"""What every dialer endpoint shares: the dialer scope, the per-token rate limit, JSON in, and the
documented refusals (authentication is the whole API's: token, then session)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from collections_app.api.dialer.permissions import DialerScope
from collections_app.api.dialer.serializers import ErrorSerializer
from collections_app.api.dialer.throttles import IntegrationRateThrottle
from config.parsers import JSONParser


# Not a docstring: the schema would give it as the description of every operation without one, the
# messages' too, which do take sessions.
class DialerView(APIView):
    # With DialerScope, a session is recognised only to be refused (403): dialer endpoints are for integrations.

    permission_classes = [DialerScope]
    throttle_classes = [IntegrationRateThrottle]
    parser_classes = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # PostgreSQL text cannot hold NUL: refuse it in the path and query as bad input, not a 500.
        bad = [name for name, value in [*kwargs.items(), *request.query_params.items()] if "\x00" in str(value)]
        if bad:
            raise ValidationError({name: ["Null characters are not allowed."] for name in bad})


def error(description: str, *, code: str, message: str, errors: dict[str, list[str]] | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(code, value={"message": message, "errors": errors or {}, "code": code}, response_only=True)
        ],
    )


REFUSALS: dict[int, Any] = {
    401: error(
        "No token, a wrong one, a revoked or an expired one.",
        code="token_revoked",
        message="This token has been revoked.",
    ),
    403: error(
        "The token lacks the scope, or a logged-in user (dialer endpoints are for integrations).",
        code="permission_denied",
        message="This endpoint is for integration tokens with the right scope.",
    ),
    429: error(
        "Over the token's rate limit; Retry-After says in how many seconds to try again.",
        code="throttled",
        message="Request was throttled. Expected available in 12 seconds.",
    ),
}
BAD_INPUT = error(
    "Malformed body or query; nothing was written.",
    code="invalid",
    message="Invalid input.",
    errors={"talk_seconds": ["Ensure this value is greater than or equal to 0."]},
)
IDEMPOTENCY_REUSED = error(
    "The Idempotency-Key was used before with another body.",
    code="idempotency_key_reused",
    message="This Idempotency-Key was used with another request; use a new key for a new request.",
    errors={"Idempotency-Key": ["Already used for a different request."]},
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). A retry with the same key and body gets the first response again "
        "(header Idempotent-Replayed: true); the same key with another body is refused (422). Kept 24 hours."
    ),
)
