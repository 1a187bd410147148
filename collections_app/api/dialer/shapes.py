"""What the dialer views share: the integration of the request, instants as the API writes them, path parameters."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from collections_app.api.dialer.permissions import integration_of
from collections_app.models import Integration
from config.errors import DomainError


def request_integration(request: Request) -> Integration:
    integration = integration_of(request)
    assert integration is not None  # DialerScope let only integrations in
    return integration


def iso_instant(value: Any) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


AUTHORIZATION_ID = OpenApiParameter("authorization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CALL_ID = OpenApiParameter(
    "external_call_id", str, OpenApiParameter.PATH, description="The dialer's call id (1 to 100 characters)."
)


def authorization_uuid(value: Any) -> uuid.UUID:
    """An authorization id from a path or a body; not a UUID is as unknown as any other."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise DomainError(
            _("No dial authorization with this id for this integration."),
            code="authorization_not_found",
            errors={"authorization_id": [_("Unknown authorization.")]},
        ) from exc
