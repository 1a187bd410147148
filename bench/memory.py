"""The memory of every job of a benchmark run, and where it would be at 10,000,000 accounts.

Each job runs in its own process (``bench.book.manage``), whose peak resident memory is measured;
a process that only starts Django (``manage.py shell -c pass``) gives the part that does not grow
with the book. From one run the projection is linear in the accounts above that start-up part
(an upper bound: a job with bounded memory, such as assignment team by team, grows less); from two
runs at different sizes (``python -m bench.growth``) it is the line through both.
"""

from __future__ import annotations

from bench.book import Book, manage

PROJECT_TO_ACCOUNTS = 10_000_000
LIMIT_MB = 1024


def startup_mb(book: Book) -> int:
    """Peak memory of a process that starts Django and does nothing: the floor of every job."""
    return manage(book.database, "shell", "-c", "pass").peak_mb


def memory_by_job(peaks: dict[str, int | None], *, accounts: int, startup: int) -> dict[str, object]:
    """Each job's peak, its growth per 1,000 accounts above start-up, and its projection to 10M."""
    jobs: dict[str, object] = {}
    for job, peak in peaks.items():
        if peak is None:
            continue
        growth = max(peak - startup, 0) / accounts * 1000 if accounts else 0.0
        projected = round(startup + growth * PROJECT_TO_ACCOUNTS / 1000)
        jobs[job] = {
            "peak_mb": peak,
            "mb_per_1000_accounts": round(growth, 4),
            "projected_10m_mb": projected,
            "projected_10m_under_1gib": projected < LIMIT_MB,
        }
    return {
        "accounts": accounts,
        "startup_mb": startup,
        "projected_to_accounts": PROJECT_TO_ACCOUNTS,
        "method": "linear in accounts above the start-up process (an upper bound for bounded jobs)",
        "jobs": jobs,
    }
