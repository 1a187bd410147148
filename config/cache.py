"""Django's Redis cache, keeping one redis-py client per connection pool, behind a circuit breaker.

Django makes a new ``redis.Redis`` for every cache call, and redis-py builds its table of reply
callbacks for each one: about 0.2 ms a call, three calls on every dialer request (rate limit,
policy generation). A ``redis.Redis`` over a pool is safe to share between threads, and the pool
notices a fork, so one per pool and process is enough.

A Redis that hangs costs every call its socket timeout (0.5 s): three calls on a dialer request
took it from 25 ms to over a second. After a connection error or a timeout the breaker opens: for
``CACHE_BREAKER_SECONDS`` (30 s) every call of this process to that Redis fails at once with
:class:`CacheUnavailable` (a ``redis.ConnectionError``, which every caller already survives: the
rate limit lets the request through, the policies are read from the database). The first call
after that goes to Redis again; it closes the breaker or opens it for another period.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


def backend_is_redis(backend: str) -> bool:
    """Whether a ``CACHES`` backend path is Django's Redis cache or this one."""
    return backend in ("django.core.cache.backends.redis.RedisCache", "config.cache.RedisCache")


class _SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's RedisCacheClient internals (not in django-stubs): the pool index, the pool, the client class.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients.setdefault(index, self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client


logger = logging.getLogger(__name__)


class CacheUnavailable(redis.exceptions.ConnectionError):
    """The breaker is open: Redis failed a moment ago and is not tried again yet."""


class _Breaker:
    """Open for a while after a failure; shared by the threads of a process (one per server)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.open_until = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise CacheUnavailable("The cache failed a moment ago; not tried again yet.")

    def trip(self) -> None:
        seconds = float(getattr(settings, "CACHE_BREAKER_SECONDS", 30))
        with self._lock:
            if time.monotonic() >= self.open_until:
                logger.warning("cache unavailable: not tried for %ss", seconds)
            self.open_until = time.monotonic() + seconds


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(server: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(server, _Breaker(server))


FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        self._breaker.check()
        try:
            return method(self, *args, **kwargs)
        except CacheUnavailable:
            raise
        except FAILURES:
            self._breaker.trip()
            raise

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient
        self._breaker = _breaker_for(server)

    # Every call Django's cache API makes to Redis goes through the breaker.
    add = _guarded(DjangoRedisCache.add)
    get = _guarded(DjangoRedisCache.get)
    set = _guarded(DjangoRedisCache.set)
    touch = _guarded(DjangoRedisCache.touch)
    delete = _guarded(DjangoRedisCache.delete)
    get_many = _guarded(DjangoRedisCache.get_many)
    has_key = _guarded(DjangoRedisCache.has_key)
    incr = _guarded(DjangoRedisCache.incr)
    set_many = _guarded(DjangoRedisCache.set_many)
    delete_many = _guarded(DjangoRedisCache.delete_many)
    clear = _guarded(DjangoRedisCache.clear)

    @_guarded
    def incr_expiring(self, key: str, timeout: int) -> int:
        """Add one to ``key`` (made at 0 when missing) and keep it ``timeout`` seconds: one round trip."""
        full = self.make_and_validate_key(key)
        # No MULTI/EXEC around them: both go in one write all the same, and nothing else is atomic here.
        pipe = self._cache.get_client(full, write=True).pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, timeout)
        count, _ = pipe.execute()
        return int(count)
