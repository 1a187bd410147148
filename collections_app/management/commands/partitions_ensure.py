from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.partitions import AHEAD_MONTHS, partitions_ensure


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "PostgreSQL: make the monthly partitions of the tables that grow with time (snapshots, transitions, "
        "assignment records, audit entries) for this month and the months ahead; safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=AHEAD_MONTHS, help="Months after this one.")
        parser.add_argument("--through", type=_date, help="Also the month of this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ahead"] < 0:
            raise CommandError("--ahead must not be negative.")
        made = partitions_ensure(through=options["through"], ahead=options["ahead"])
        for name in made:
            self.stdout.write(name)
        self.stdout.write(f"{len(made)} partitions made.")
