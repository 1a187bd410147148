"""``python -m bench.growth SMALL.json LARGE.json``: how every figure grows between two benchmark runs
at different book sizes (``BENCH_ACCOUNTS``), projected to 10,000,000 accounts, as a Markdown table.

Times and other figures: the power law through both points (exponent ``log(v2/v1) / log(n2/n1)``:
1 is linear, 0 flat). Memory: the line through both points (the start-up part stays).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from bench.memory import PROJECT_TO_ACCOUNTS

FIGURES = {
    "COB (s)": ("cob", "seconds"),
    "COB hand-written SQL (s)": ("cob", "sql_baseline_seconds"),
    "assignment (s)": ("assignment", "seconds"),
    "aggregation (s)": ("aggregation", "seconds"),
    "open cases": ("cob", "open_cases"),
}
MEMORY = {
    "COB peak (MB)": "cob",
    "assignment peak (MB)": "assignment",
    "aggregation peak (MB)": "aggregation",
    "seed peak (MB)": "seed",
    "gunicorn worker peak (MB)": "gunicorn_worker",
}


def _figure(run: dict[str, object], path: tuple[str, ...]) -> float | None:
    value: object = run
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, int | float) else None


def growth_rows(small: dict[str, object], large: dict[str, object]) -> list[tuple[str, float, float, str, float]]:
    """(figure, value at the small book, at the large one, growth, projection to 10M) for each figure."""
    n1, n2 = (float(run["book"]["accounts"]) for run in (small, large))  # type: ignore[index]
    rows = []
    for label, path in FIGURES.items():
        v1, v2 = _figure(small, path), _figure(large, path)
        if not v1 or not v2 or n1 == n2:
            continue
        exponent = math.log(v2 / v1) / math.log(n2 / n1)
        rows.append((label, v1, v2, f"n^{exponent:.2f}", v2 * (PROJECT_TO_ACCOUNTS / n2) ** exponent))
    for label, job in MEMORY.items():
        v1 = _figure(small, ("targets", "peak_memory_by_job_mb", job))
        v2 = _figure(large, ("targets", "peak_memory_by_job_mb", job))
        if v1 is None or v2 is None or n1 == n2:
            continue
        slope = (v2 - v1) / (n2 - n1)
        rows.append((label, v1, v2, f"{slope * 1e6:+.1f} MB per 1M", v2 + slope * (PROJECT_TO_ACCOUNTS - n2)))
    return rows


def main() -> None:
    small, large = (json.loads(Path(name).read_text()) for name in sys.argv[1:3])
    if small["book"]["accounts"] > large["book"]["accounts"]:
        small, large = large, small
    n1, n2 = small["book"]["accounts"], large["book"]["accounts"]
    print(f"| figure | {n1:,} accounts | {n2:,} accounts | growth | projected at {PROJECT_TO_ACCOUNTS:,} |")
    print("|---|---|---|---|---|")
    for label, v1, v2, growth, projected in growth_rows(small, large):
        print(f"| {label} | {v1:g} | {v2:g} | {growth} | {projected:,.0f} |")


if __name__ == "__main__":
    main()
