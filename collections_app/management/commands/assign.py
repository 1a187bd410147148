from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collections_app.selectors.unworked import unworked_cases, unworked_summary
from collections_app.services.assignment import cases_assign


class Command(BaseCommand):
    help = "Assign open cases to teams and agents by bucket (sticky, balanced). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="The day leave is judged on (YYYY-MM-DD; default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError as exc:
            raise CommandError(f"Not a date (YYYY-MM-DD): {options['today']!r}") from exc
        started = time.monotonic()
        result = cases_assign(today=today)
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(result.by_reason.items())) or "none"
        self.stdout.write(
            f"Assignment: {result.moved} cases moved ({reasons}); {result.unplaced} without an agent with room; "
            f"{time.monotonic() - started:.2f}s"
        )
        unworked = unworked_summary(unworked_cases())
        if not unworked.cases:
            self.stdout.write("Unworked: none; every open case has a team and an agent.")
            return
        by_bucket = ", ".join(f"{row.bucket} {row.cases:,}" for row in unworked.buckets)
        overdue = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in unworked.overdue)
        self.stdout.write(
            self.style.WARNING(
                f"Unworked: {unworked.cases:,} open cases nobody works ({by_bucket}; {overdue} overdue): "
                f"{unworked.without_team:,} without a team, {unworked.without_agent:,} without an agent."
            )
        )
        if unworked.unserved_buckets:
            self.stdout.write(
                self.style.WARNING(
                    f"No team serves {', '.join(unworked.unserved_buckets)}: give a team these buckets, then assign again."
                )
            )
