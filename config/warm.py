"""The WSGI process once its application is loaded: every view imported, what is loaded frozen out
of the garbage collector's reach, and the youngest generation collected less often.

A worker holds some 160,000 objects that live as long as it does (modules, models, URL patterns,
serializers, translations): every collection of the oldest generation walked them all.
``gc.freeze`` moves them to the permanent generation, which no collection visits. A request's
objects live until its response: at the default threshold (700 more containers than freed) a
call-list page of 500 rows set off young collections in the middle of itself, each walking the rows
made so far and moving them on to older generations. At 20,000 a page's objects are freed by their
counts before one is due; cycles are still collected, a little later.
"""

from __future__ import annotations

import gc
from typing import Final

from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver

GC_THRESHOLDS: Final = (20_000, 20, 10)


def settled(application: WSGIHandler) -> WSGIHandler:
    """``application`` with its URL configuration (so every view module) loaded, then the loaded
    objects frozen (``gc.freeze``) and the collector's thresholds raised (``GC_THRESHOLDS``)."""
    get_resolver().url_patterns  # noqa: B018 (imports the URL configuration's modules)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return application
