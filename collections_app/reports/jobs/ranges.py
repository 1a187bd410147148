"""The nightly report run past one machine: the reads over the whole book, by account-id ranges.

The portfolio figures read the whole book twice over: the book's totals as of a date (every
installment of every account, ``sql.book_totals``) and the month's movers (``sql.flow_cells``).
Both are sums over accounts, so each account-id range is computed apart (one task of a Celery
chord each, on any worker: ``portfolio_part``), the parts are summed (``portfolio_merge``), and the
jobs then run as in one process with those answers (``sql.precomputed``): the rows they write are
the same. Everything else the jobs read is small (snapshots, transitions, aggregates).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min

from accounts.models import LoanAccount

from .. import sql
from ..definitions import bucket_scale, cob_done, month_end_cob, previous_month_end_cob

Questions = dict[str, list[Any]]  # JSON: {"totals": [ISO day, ...], "cells": [[prev, cur, current], ...]}


def account_ranges(*, range_accounts: int) -> list[tuple[int, int]]:
    """The book's account ids in ranges ``[lo, hi)`` of ``range_accounts``; ``[]`` when it fits in one."""
    bounds = LoanAccount.objects.aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None or hi - lo + 1 <= range_accounts:
        return []
    return [(start, min(start + range_accounts, hi + 1)) for start in range(lo, hi + 1, range_accounts)]


def portfolio_questions(*, days: Iterable[dt.date], months: Iterable[dt.date]) -> Questions:
    """What the portfolio jobs of ``days`` and ``months`` will ask of the whole book."""
    totals: set[dt.date] = {day for day in days if cob_done(day)}
    cells: set[tuple[dt.date, dt.date]] = set()
    for month in months:
        cur, prev = month_end_cob(month), previous_month_end_cob(month)
        if cur is not None and prev is not None:
            totals |= {prev, cur}
            cells.add((prev, cur))
    current = bucket_scale().current
    return {
        "totals": [day.isoformat() for day in sorted(totals)],
        "cells": [[prev.isoformat(), cur.isoformat(), current] for prev, cur in sorted(cells)],
    }


def portfolio_part(questions: Questions, *, lo: int, hi: int) -> dict[str, list[list[Any]]]:
    """The answers for the accounts ``lo <= id < hi`` (JSON: money as strings)."""
    totals = [
        [day, product, currency, count, str(balance)]
        for day in questions["totals"]
        for (product, currency), (count, balance) in sql.book_totals(dt.date.fromisoformat(day), lo=lo, hi=hi).items()
    ]
    cells = [
        [prev, cur, current, *cell[:5], str(cell[5]), str(cell[6])]
        for prev, cur, current in questions["cells"]
        for cell in sql.flow_cells(
            prev=dt.date.fromisoformat(prev), cur=dt.date.fromisoformat(cur), current=current, lo=lo, hi=hi
        )
    ]
    return {"totals": totals, "cells": cells}


def portfolio_merge(questions: Questions, parts: Iterable[dict[str, list[list[Any]]]]) -> dict[tuple[object, ...], object]:
    """The parts summed, keyed as ``sql.precomputed`` reads them (every question answered, if empty)."""
    totals: dict[dt.date, dict[tuple[str, str], list[Any]]] = {
        dt.date.fromisoformat(day): defaultdict(lambda: [0, Decimal("0.00")]) for day in questions["totals"]
    }
    cells: dict[tuple[dt.date, dt.date, str], dict[tuple[str, ...], list[Any]]] = {
        (dt.date.fromisoformat(prev), dt.date.fromisoformat(cur), current): defaultdict(
            lambda: [0, Decimal("0.00"), Decimal("0.00")]
        )
        for prev, cur, current in questions["cells"]
    }
    for part in parts:
        for day, product, currency, count, balance in part["totals"]:
            row = totals[dt.date.fromisoformat(day)][(product, currency)]
            row[0] += count
            row[1] += Decimal(balance)
        for prev, cur, current, product, currency, source, target, count, before, after in part["cells"]:
            cell = cells[(dt.date.fromisoformat(prev), dt.date.fromisoformat(cur), current)][
                (product, currency, source, target)
            ]
            cell[0] += count
            cell[1] += Decimal(before)
            cell[2] += Decimal(after)
    answers: dict[tuple[object, ...], object] = {}
    for day, by_book in totals.items():
        answers[("totals", day)] = {book: (count, balance) for book, (count, balance) in by_book.items()}
    for (prev, cur, current), by_cell in cells.items():
        answers[("cells", prev, cur, current)] = [(*key, *value) for key, value in sorted(by_cell.items())]
    return answers
