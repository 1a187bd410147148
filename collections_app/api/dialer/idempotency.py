"""``Idempotency-Key`` on POST: a retried request gets the first response; the same key with another body is 422.

The first request inserts its record (unique per owner and key) in the same transaction as its
work and fills in the response before committing. A twin sent while the first is running waits on
the unique index (PostgreSQL) and then finds the committed answer; if the first failed (an error
response is not stored: nothing was written), the twin runs as a first request. Records are kept
for ``RETENTION`` (``idempotency_records_purge``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from collections_app.api.dialer.permissions import integration_of
from collections_app.models import IdempotencyRecord
from config.errors import DomainError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
RETENTION = dt.timedelta(hours=24)

Handler = TypeVar("Handler", bound=Callable[..., Response])


def request_fingerprint(request: Request) -> str:
    """Method, path and the parsed body in a canonical form (key order and spacing do not matter)."""
    data = request.data
    if hasattr(data, "lists"):
        data = {key: values for key, values in data.lists()}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _owner(request: Request) -> dict[str, Any]:
    integration = integration_of(request)
    if integration is not None:
        return {"integration": integration}
    return {"integration": None, "user": request.user}


def _replay(record: IdempotencyRecord, fingerprint: str, key: str) -> Response:
    if record.request_hash != fingerprint:
        raise DomainError(
            _("This Idempotency-Key was used with another request; use a new key for a new request."),
            code="idempotency_key_reused",
            errors={HEADER: [_("Already used for a different request.")]},
        )
    return Response(record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"})


def idempotent(handler: Handler) -> Handler:
    """Decorate a view's ``post``: honour ``Idempotency-Key`` (optional) as the module says."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise DomainError(
                _("The Idempotency-Key header must be 1 to 255 characters."),
                errors={HEADER: [_("1 to 255 characters.")]},
            )
        owner = _owner(request)
        if owner.get("user") is not None and not getattr(owner["user"], "is_authenticated", False):
            return handler(view, request, *args, **kwargs)
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        key=key,
                        method=request.method or "",
                        path=request.path[:255],
                        request_hash=fingerprint,
                        status_code=0,
                        **owner,
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.get(key=key, **owner)
                return _replay(existing, fingerprint, key)
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 500:
                record.delete()
                return response
            record.status_code = response.status_code
            record.response_body = _storable(json.loads(JSONRenderer().render(response.data) or b"null"))
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper  # type: ignore[return-value]


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Forget answers older than ``RETENTION``; a key may then be used again. Returns rows deleted."""
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - RETENTION).delete()
    return deleted


def _storable(value: Any) -> Any:
    """PostgreSQL's jsonb refuses NUL characters, which a refused item may echo: store U+FFFD instead."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value
