from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.calendar import business_today
from collections_app.demo.activity import MONTHS, QUIET_DAYS, demo_activity_seed
from collections_app.models import ContactAttempt


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Write the demo book's past collection work: calls on its cases, the promises taken, judged "
        f"on the loans' payments, and the extensions negotiated, over the last months up to {QUIET_DAYS} days ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same activity.")
        parser.add_argument("--months", type=int, default=MONTHS, help=f"Months of activity (default {MONTHS}).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any call is recorded already.")
        parser.add_argument("--today", type=_date, help="As-of date (default: today in BOOK_TIME_ZONE).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and ContactAttempt.objects.exists():
            self.stdout.write("Calls are recorded already; no activity seeded.")
            return
        if options["months"] < 1:
            raise CommandError("--months must be at least 1.")
        seeded = demo_activity_seed(
            today=options["today"] or business_today(), seed=options["seed"], months=options["months"]
        )
        self.stdout.write(
            f"Seeded {seeded.attempts:,} calls on {seeded.cases:,} cases and {seeded.promises:,} promises "
            f"({seeded.kept:,} kept, {seeded.broken:,} broken) and {seeded.extensions:,} extension requests"
            f" in {seeded.seconds:.1f}s"
        )
