"""Worker processes that generate chunks of the demo book in parallel, for large books.

Each worker generates its chunk, waits for the chunk's turn to take its keys (in chunk order,
so the book is the one a single process makes), then turns the rows into COPY text; the main
process only copies. Workers are forked: they inherit Django set up and never use the
database connection they inherit (psycopg closes a connection only in the process that opened
it, so a forked copy being collected does not end the parent's session). Spawning would run
again the main module of a script without a ``__main__`` guard.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from dataclasses import astuple
from typing import Any

from accounts.demo.chunks import TABLES, Job, chunk_generate, copy_text, ids_reserve
from accounts.demo.loans import Ids

ChunkText = tuple[dict[str, str], Ids, int, int]

_turn: Any = None
_next_chunk: Any = None
_next_ids: Any = None
_extra: dict[str, tuple[object, ...]] = {}


def _worker_init(turn: Any, next_chunk: Any, next_ids: Any, extra: dict[str, tuple[object, ...]]) -> None:
    global _turn, _next_chunk, _next_ids, _extra
    _turn, _next_chunk, _next_ids, _extra = turn, next_chunk, next_ids, extra


def _worker_job(job: Job) -> ChunkText:
    chunk = chunk_generate(job)
    with _turn:  # chunks take their keys in order
        _turn.wait_for(lambda: _next_chunk.value == job.chunk_no)
        shared = Ids(*_next_ids[:])
        first = ids_reserve(shared, chunk.counts)
        _next_ids[:] = list(astuple(shared))
        _next_chunk.value += 1
        _turn.notify_all()
    texts = {table: copy_text(table, chunk.rows[table], first, _extra[table]) for table in TABLES}
    return texts, chunk.counts, chunk.paid_off, chunk.delinquent


def parallel_chunks(
    jobs: list[Job], *, first: Ids, workers: int, extra: dict[str, tuple[object, ...]]
) -> Iterator[ChunkText]:
    """COPY texts of the jobs' chunks, in order, with keys from ``first`` on.

    At most ``workers + 1`` chunks are in flight, so memory stays flat however big the book.
    """
    context = multiprocessing.get_context("fork")
    turn = context.Condition()
    next_chunk = context.Value("q", jobs[0].chunk_no if jobs else 0, lock=False)
    next_ids = context.Array("q", list(astuple(first)), lock=False)
    with context.Pool(workers, initializer=_worker_init, initargs=(turn, next_chunk, next_ids, extra)) as pool:
        pending: deque[Any] = deque()
        for job in jobs:
            pending.append(pool.apply_async(_worker_job, (job,)))
            if len(pending) > workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
