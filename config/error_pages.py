"""Django's error handlers (``handler400``/``403``/``404``/``500`` in ``config.urls``).

Under ``/api/`` they answer through the API's one exception handler (``config.api``), so what goes
wrong before a view runs, or with no view at all, is the JSON error body too: an unknown path
(``/api/v1/cases/abc/``) a 404, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` a 413, a bad ``Host`` a
400, an exception no view answered a 500. The HTML pages keep Django's own error pages.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from config.api import ServerError, exception_handler

API_PREFIX = "/api/"


def _answered(exc: Exception) -> HttpResponse:
    """The API's answer to ``exc``, rendered as JSON: for Django's error handlers, where no view (and so no
    content negotiation) ran."""
    response = exception_handler(exc, {})
    if response is None:  # pragma: no cover - every exception given here is one the handler answers
        response = exception_handler(ServerError(), {})
        assert response is not None
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}  # type: ignore[attr-defined]  # finalize_response sets it; no view ran
    response.render()
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: a body over the limit (413) or a request Django refuses (400), before any view ran."""
    if request.path.startswith(API_PREFIX):
        return _answered(exception)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler403``."""
    if request.path.startswith(API_PREFIX):
        return _answered(exceptions.PermissionDenied())
    return defaults.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: an unknown path under ``/api/`` (``/api/v1/cases/abc/``) is the JSON 404."""
    if request.path.startswith(API_PREFIX):
        return _answered(exceptions.NotFound())
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an exception no view answered (its traceback is logged by Django)."""
    if request.path.startswith(API_PREFIX):
        return _answered(ServerError())
    return defaults.server_error(request)
