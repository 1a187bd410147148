from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.calendar import business_today
from collections_app.services.close import book_close
from collections_app.tasks import nightly_close_task


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Run the close of business (DPD, buckets, transitions, snapshots, totals, and the cases that follow "
        "the latest date) for a date or a range."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="Business date (default: today in BOOK_TIME_ZONE).")
        parser.add_argument("--from", dest="start", type=_date, help="Replay from this date, day by day.")
        parser.add_argument("--to", dest="end", type=_date, help="Replay up to this date (inclusive).")
        parser.add_argument("--queue", action="store_true", help="Send to the Celery worker instead of running here.")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = options["start"], options["end"]
        if (start is None) != (end is None):
            raise CommandError("--from and --to go together.")
        if start and options["date"]:
            raise CommandError("Give either --date or --from/--to, not both.")
        if start and end and start > end:
            raise CommandError("--from must not be after --to.")
        days = (
            [start + timedelta(days=n) for n in range((end - start).days + 1)]
            if start and end
            else [options["date"] or business_today()]
        )
        for day in days:
            if options["queue"]:
                async_result = nightly_close_task.delay(day.isoformat(), assign=False, plan=False)
                self.stdout.write(f"COB {day}: queued as task {async_result.id}")
                continue
            result = book_close(business_date=day)
            self.stdout.write(
                f"COB {day}: {result.accounts} accounts, {result.delinquent} delinquent, "
                f"{result.transitions} bucket changes in {result.seconds:.2f}s"
            )
