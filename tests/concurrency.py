"""Many actors at the same moment, for the race tests on PostgreSQL: ``at_once``.

Each actor is a thread with its own database connection (Django gives each thread one), released
with the others by a barrier once its own reads are done, and its connection closed when it ends
(a transactional test cannot flush a database that threads still hold sessions on).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

from django.db import connection

T = TypeVar("T")
P = TypeVar("P")

BARRIER_SECONDS = 30  # every actor has done its reads and waits at the barrier by then
JOIN_SECONDS = 120  # every actor has answered by then


@overload
def at_once(n: int, act: Callable[[int], T]) -> list[T]: ...
@overload
def at_once(n: int, act: Callable[[P], T], *, ready: Callable[[int], P]) -> list[T]: ...
def at_once(n: int, act: Callable[[Any], T], *, ready: Callable[[int], Any] | None = None) -> list[T]:
    """Run ``n`` actors in threads, released together: actor ``i`` runs ``act(i)``, or with ``ready``
    first ``ready(i)`` (its own reads, a client of its own) and then ``act`` of what that gave.

    Returns what each ``act`` returned, in the actors' order. An actor that raised (a deadlock, a
    database error, an assertion) fails the test with every actor's exception (an exception group),
    and so does an actor still running after ``JOIN_SECONDS``.
    """
    barrier = threading.Barrier(n)
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def actor(index: int) -> None:
        try:
            given = ready(index) if ready is not None else index
            barrier.wait(timeout=BARRIER_SECONDS)
            results[index] = act(given)
        except BaseException as exc:  # noqa: BLE001 - reported to the test's thread below
            failures.append(exc)
            barrier.abort()  # the others stop waiting for an actor that will not come
        finally:
            connection.close()

    threads = [threading.Thread(target=actor, args=(index,), name=f"actor-{index}") for index in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    hung = [thread.name for thread in threads if thread.is_alive()]
    if hung:
        failures.append(TimeoutError(f"{', '.join(hung)} still running after {JOIN_SECONDS} s"))
    if failures:
        raise BaseExceptionGroup(f"{len(failures)} of {n} actors failed", failures)
    return [results[index] for index in range(n)]
