from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.partitions import AHEAD_MONTHS, partitions_ensure, references_dangling


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "PostgreSQL: make the monthly partitions of the tables that grow with time (snapshots, transitions, "
        "assignment records, audit entries, messages, contact attempts) for this month and the months ahead; "
        "safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=AHEAD_MONTHS, help="Months after this one.")
        parser.add_argument("--through", type=_date, help="Also the month of this date (YYYY-MM-DD).")
        parser.add_argument(
            "--check-references",
            action="store_true",
            help="Also count the references into these tables that point at no row (none should: fails if any).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ahead"] < 0:
            raise CommandError("--ahead must not be negative.")
        made = partitions_ensure(through=options["through"], ahead=options["ahead"])
        for name in made:
            self.stdout.write(name)
        self.stdout.write(f"{len(made)} partitions made.")
        if options["check_references"]:
            dangling = {name: count for name, count in references_dangling().items() if count}
            for name, count in sorted(dangling.items()):
                self.stdout.write(f"{name}: {count} rows point at no row")
            if dangling:
                raise CommandError("References point at rows that are gone (README, Partitions).")
            self.stdout.write("No reference dangles.")
