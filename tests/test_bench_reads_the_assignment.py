"""`make bench` reports the assignment job's own time, read from the command's "Assignment:" line."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from bench.book import Run
from bench.run import _assignment_moves, _assignment_seconds


def test_the_bench_reads_the_assignment_line_not_the_unworked_report_after_it(db: object) -> None:
    out = StringIO()
    call_command("assign", stdout=out)

    line = _assignment_moves(out.getvalue())

    assert out.getvalue().strip().splitlines()[-1].startswith("Unworked:")  # what the bench read before
    assert line.startswith("Assignment:") and line.endswith("s")


def test_both_assignment_runs_are_the_jobs_own_time_not_the_commands_wall_time() -> None:
    output = "Assignment: 0 new, 12 moved in 0.42s\nUnworked: none\n"

    assert _assignment_seconds(Run(seconds=7.9, peak_mb=100, output=output)) == 0.42
    assert _assignment_seconds(Run(seconds=7.9, peak_mb=100, output="no such line\n")) == 7.9
