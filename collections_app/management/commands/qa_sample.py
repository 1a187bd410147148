from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collections_app.services.quality import qa_sample_build, qa_sample_build_last_week
from config.errors import DomainError


class Command(BaseCommand):
    help = (
        "Sample a week's calls for quality review: a share of each agent's answered calls at random (the same "
        "calls every run), and every call behind a complaint or a compliance exception. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", help="Any day of the week (YYYY-MM-DD; default: the last whole week).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            week = date.fromisoformat(options["week"]) if options["week"] else None
        except ValueError as exc:
            raise CommandError(f"Not a date (YYYY-MM-DD): {options['week']!r}") from exc
        try:
            built = qa_sample_build(week=week) if week else qa_sample_build_last_week()
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        added = ", ".join(f"{reason}: {n}" for reason, n in built.added.items())
        self.stdout.write(f"Week of {built.week.isoformat()}: {built.total} calls added to the review queue ({added}).")
