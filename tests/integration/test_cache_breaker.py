"""A hung cache costs one timeout, not one per call: after a Redis that accepts connections and never
answers fails a call, this process leaves it alone for a while and the dialer API answers without it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from config.cache import CacheUnavailable, RedisCache
from scheduling.presets import presets_ensure
from tests.api.conftest import MORNING, Clock, dialer_client, open_case_debt


class HungRedis:
    """A TCP server on 127.0.0.1 that takes connections and what is sent, and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = 0
        self.connections: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        while True:
            try:
                data = connection.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.received += len(data)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    server = HungRedis()
    yield server
    server.close()


def cache_on(server: HungRedis) -> RedisCache:
    return RedisCache(server.url, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def settled(server: HungRedis) -> int:
    """What the server has received, once the bytes in flight have arrived."""
    time.sleep(0.1)
    return server.received


def test_after_one_failure_the_cache_is_not_tried_until_the_breaker_closes(hung_redis: HungRedis) -> None:
    hung = cache_on(hung_redis)

    # The first call waits for its timeout and fails: the breaker opens
    with pytest.raises(redis.exceptions.RedisError) as first:
        hung.get("policy-generation")
    assert not isinstance(first.value, CacheUnavailable)
    sent = settled(hung_redis)
    assert sent > 0

    # While it is open, every call fails at once and nothing more reaches the server
    with override_settings(CACHE_BREAKER_SECONDS=30):
        for _ in range(5):
            with pytest.raises(CacheUnavailable):
                hung.get("policy-generation")
            with pytest.raises(CacheUnavailable):
                hung.incr_expiring("rate", 120)
    assert settled(hung_redis) == sent


def test_when_the_breaker_closes_the_cache_is_tried_again(hung_redis: HungRedis) -> None:
    hung = cache_on(hung_redis)
    with override_settings(CACHE_BREAKER_SECONDS=0.2), pytest.raises(redis.exceptions.RedisError):
        hung.get("policy-generation")
    sent = settled(hung_redis)

    time.sleep(0.3)

    with pytest.raises(redis.exceptions.RedisError) as again:
        hung.get("policy-generation")
    assert not isinstance(again.value, CacheUnavailable)
    assert settled(hung_redis) > sent


@pytest.mark.django_db
def test_dialer_requests_on_a_hung_cache_are_answered_and_only_the_first_reaches_it(
    hung_redis: HungRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", Clock(MORNING))
    presets_ensure()
    open_case_debt()
    dialer = dialer_client()
    config = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": hung_redis.url,
        "KEY_PREFIX": "cw",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": config}, CACHE_BREAKER_SECONDS=30):
        assert isinstance(caches["default"], RedisCache)

        # The first request meets the hung cache once, and is answered all the same
        first = dialer.client.get("/api/v1/dialer/call-list/")
        assert first.status_code == 200, first.content
        sent = settled(hung_redis)
        assert sent > 0

        # The next ones are answered without sending the cache anything
        answers = [dialer.client.get("/api/v1/dialer/call-list/").status_code for _ in range(5)]
        assert answers == [200] * 5
        assert settled(hung_redis) == sent
