"""`make bench` reports the assignment job's own time, read from the command's "Assignment:" line."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from bench.run import _assignment_moves


def test_the_bench_reads_the_assignment_line_not_the_unworked_report_after_it(db: object) -> None:
    out = StringIO()
    call_command("assign", stdout=out)

    line = _assignment_moves(out.getvalue())

    assert out.getvalue().strip().splitlines()[-1].startswith("Unworked:")  # what the bench read before
    assert line.startswith("Assignment:") and line.endswith("s")
