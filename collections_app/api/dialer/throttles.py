"""Per-token rate limits (429 with ``Retry-After``). Nothing to do with compliance: the engine decides calls.

A fixed one-minute window per integration, counted in the cache (on Redis an INCR and an EXPIRE
in one round trip).
With several web processes, point the default cache at Redis so that they share the count; with
the local-memory cache each process counts on its own. If the cache is down the request passes:
a rate limit must not lose a call result.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from collections_app.api.dialer.permissions import integration_of

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class IntegrationRateThrottle(BaseThrottle):
    """``Integration.rate_limit_per_minute`` requests per minute per token; sessions are not counted here."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        integration = integration_of(request)
        if integration is None:
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"cw:rate:{integration.pk}:{window}"
        try:
            if hasattr(cache, "incr_expiring"):  # Redis (config.cache): one round trip
                count = cache.incr_expiring(key, WINDOW_SECONDS * 2)
            else:
                cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
                count = cache.incr(key)
        except Exception:  # noqa: BLE001 - a cache outage must not refuse calls
            logger.warning("rate limit cache unavailable; request allowed", exc_info=True)
            return True
        if count > integration.rate_limit_per_minute:
            self._wait = WINDOW_SECONDS - (now % WINDOW_SECONDS)
            return False
        return True

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None
