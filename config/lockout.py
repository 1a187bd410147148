"""Who is knocking, and how often: the client's address behind the load balancer, and the login
lockout per username and address plus one per address alone.

Behind a load balancer ``REMOTE_ADDR`` is the balancer's: keyed on it, five wrong passwords from
anyone lock that user out for everyone. ``TRUSTED_PROXY_COUNT`` says how many proxies of ours
stand in front of the app; each appends the address it was reached from to ``X-Forwarded-For``, so
the client is that many entries from the right. What a client writes into the header itself stays
to the left and is never taken. With no trusted proxy the header is ignored.

One password sprayed over many usernames never reaches a username's limit; an address that fails
``AXES_ADDRESS_FAILURE_LIMIT`` times within the cool-off (over any usernames) is locked too. The
limit is high because a call centre's floor shares one address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the entry
    of ``X-Forwarded-For`` the outermost of them appended."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return _address(remote) or remote or None
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    # The last proxy's own peer is REMOTE_ADDR; the hops before it were appended by the proxies.
    if len(hops) < trusted:
        return _address(remote) or remote or None
    return _address(hops[-trusted]) or _address(remote) or remote or None


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, also locking an address that fails too often over any usernames."""

    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        """As axes does, the failure that reaches the limit is already answered with the lockout."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False) and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def _address_locked(self, request: Any) -> bool:
        address = get_client_ip_address(request)
        if not address:
            return False
        since = timezone.now() - (get_cool_off(request) or dt.timedelta(hours=1))
        failures = (
            AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
            .aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        locked = failures >= int(settings.AXES_ADDRESS_FAILURE_LIMIT)
        if locked and isinstance(request, HttpRequest):
            request.address_locked = True  # type: ignore[attr-defined]  # the lockout page says why
        return locked
