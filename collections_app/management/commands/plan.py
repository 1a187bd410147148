from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.calendar import business_today
from collections_app.models import PlanRun
from collections_app.services.plan import plan_run


class Command(BaseCommand):
    help = (
        "Run the treatment strategies' plan for a date (the borrowers' today): arms for new members, the day's "
        "actions, stops and case priorities. Safe to run again: nothing is recorded twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="The plan's date (YYYY-MM-DD; default: today in BOOK_TIME_ZONE).")
        parser.add_argument("--kind", choices=PlanRun.Kind.values, default=PlanRun.Kind.NIGHTLY)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else business_today()
        except ValueError as exc:
            raise CommandError(f"Not a date (YYYY-MM-DD): {options['today']!r}") from exc
        started = time.monotonic()
        result = plan_run(today=today, kind=options["kind"])
        figures = result.as_dict()
        self.stdout.write(
            f"Plan {today}: {figures['assigned']} arms assigned, {figures['created']} actions recorded, "
            f"{figures['stopped']} stopped, {figures['prioritized']} cases prioritized; "
            f"{time.monotonic() - started:.2f}s"
        )
