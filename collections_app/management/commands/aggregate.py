"""``manage.py aggregate --from D1 --to D2 [--only FAMILY ...]``: compute (or backfill) the report aggregates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collections_app.reports import jobs
from collections_app.reports.tasks import reports_backfill_signature


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Compute the report aggregates for every day from --from to --to and every month they touch. "
        "Each date's rows are replaced, so running a range again changes nothing. With --queue the range is split "
        "into chunks of days sent to the Celery workers; else it runs here, day by day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=_date, required=True, help="First date (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", type=_date, required=True, help="Last date, included.")
        parser.add_argument(
            "--only",
            action="append",
            choices=jobs.FAMILIES,
            help="Only this family (repeatable). Default: all of them.",
        )
        parser.add_argument("--chunk-days", type=int, default=7, help="Days per task (default 7).")
        parser.add_argument("--queue", action="store_true", help="Send the chunks to the Celery workers.")

    def handle(self, *args: Any, **options: Any) -> None:

        start, end = options["start"], options["end"]
        if start > end:
            raise CommandError("--from must not be after --to.")
        if options["chunk_days"] < 1:
            raise CommandError("--chunk-days must be at least 1.")
        families = options["only"]
        if options["queue"]:
            canvas = reports_backfill_signature(
                first=start, last=end, families=families, chunk_days=options["chunk_days"]
            )
            self.stdout.write(f"Aggregates {start}..{end}: queued as {canvas.apply_async().id}")
            return
        result = jobs.reports_aggregate_range(first=start, last=end, families=families)
        chosen = ", ".join(jobs.families_check(families))
        self.stdout.write(f"Aggregates {start}..{end} ({chosen}):")
        for name, count in sorted(result.rows.items()):
            self.stdout.write(f"  {name}: {count} rows")
