"""One log line per request, and an ``X-Request-ID`` on every response.

The line (logger ``config.request``) carries the method, the path with the query string's names but
not its values (values hold tokens and phone numbers: VICIdial sends both in the URL), the status,
the duration in milliseconds, the id of the user when the request was authenticated (never a
username or an e-mail address), the integration when a token was used, and the request id: the
caller's ``X-Request-ID`` when it is a plain token of up to 128 characters, else a new one. Every
other line logged while the request is served carries the same ``request_id``
(``config.logging.ContextFilter``).

Level: INFO, WARNING for 4xx, ERROR for 5xx; load balancers' successful ``/health/`` probes are
DEBUG, so that they do not drown the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from config.logging import request_id_var

logger = logging.getLogger("config.request")
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEALTH_PATH = "/health/"


def request_id_of(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex


def path_without_values(request: HttpRequest) -> str:
    """The path, and the query string's parameter names with their values left out (``?bucket=&limit=``)."""
    path = request.path[:512]
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return path
    names = [name[:64] for name, _value in parse_qsl(query, keep_blank_values=True)][:50]
    return f"{path}?{'&'.join(f'{name}=' for name in names)}"


def user_id_of(request: HttpRequest) -> int | None:
    """The id of the user the request was authenticated as, without a query if nobody looked.

    A view that needs the user has already loaded it (the session's, or DRF's token user, which DRF
    sets on the request); reading it here for a view that never did would cost two queries, and fail
    when the database is down (``/health/`` must answer then).
    """
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def integration_id_of(request: HttpRequest) -> int | None:
    auth = request.__dict__.get("auth")  # DRF copies request.auth onto Django's request
    meta = getattr(auth, "_meta", None)
    return auth.pk if meta is not None and meta.model_name == "integration" else None  # type: ignore[union-attr]


class RequestLogMiddleware:
    """Logs one line per request and returns its id in ``X-Request-ID``. First in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_of(request)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self.log(request, response, (time.perf_counter() - started) * 1000)
        finally:
            request_id_var.reset(token)
        return response

    def log(self, request: HttpRequest, response: HttpResponseBase, duration_ms: float) -> None:
        status = response.status_code
        if status >= 500:
            level = logging.ERROR
        elif status >= 400:
            level = logging.WARNING
        elif request.path == HEALTH_PATH:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not logger.isEnabledFor(level):
            return
        path = path_without_values(request)
        fields = {
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 1),
            "user_id": user_id_of(request),
        }
        integration_id = integration_id_of(request)
        if integration_id is not None:
            fields["integration_id"] = integration_id
        logger.log(level, "%s %s %s %.1fms", request.method, path, status, duration_ms, extra=fields)


BROWSER_ZONE_COOKIE = "cw_tz"


def browser_zone(request: HttpRequest) -> ZoneInfo | None:
    """The IANA zone the browser reported in the ``cw_tz`` cookie, or None.

    Browsers write the cookie with ``encodeURIComponent`` (``America%2FNew_York``) and Django hands
    cookie values over as sent, so the value is decoded here; an unknown or overlong name is ignored.
    """
    name = unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, ""))
    if not name or len(name) > 64 or name.startswith("Etc/Unknown"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class BrowserZoneMiddleware:
    """Shows a signed-in user's times on their own clock: the zone their browser reports is the
    active one for the request (``timezone.activate``), else the site's. Rules never read it: the
    compliance engine judges on the borrower's clock, and the database holds UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        zone = browser_zone(request)
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)


# Swagger UI (drf-spectacular-sidecar's copy, served from STATIC_URL) runs only scripts from the app; its
# page has one inline <style> and the UI sets style attributes, hence 'unsafe-inline' for styles only.
API_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
API_PREFIX = "/api/"


class ApiContentSecurityPolicyMiddleware:
    """A ``Content-Security-Policy`` on every answer under ``/api/`` (the JSON and the docs page): nothing
    from another host, no inline script, no framing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = API_CONTENT_SECURITY_POLICY
        return response
