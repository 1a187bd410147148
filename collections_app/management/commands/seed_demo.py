from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.calendar import business_today
from accounts.demo.book import demo_book_seed, demo_history_replay
from accounts.models import LoanAccount, Phone
from collections_app.services.close import book_close
from config import pii_rewrite
from config.errors import DomainError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Seed a realistic demo book (borrowers in the US and China, phones, loans, schedules, payments) "
        "and replay the close of business over its history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, required=True, help="Number of loan accounts.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same book.")
        parser.add_argument("--months", type=int, default=6, help="Months of payment and COB history (default 6).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the book has loans already.")
        parser.add_argument("--no-cob", action="store_true", help="Do not replay the close of business.")
        parser.add_argument("--today", type=_date, help="As-of date of the book (default: today in BOOK_TIME_ZONE).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and LoanAccount.objects.exists():
            self.stdout.write("The book has loans already; nothing seeded.")
            return
        today = options["today"] or business_today()
        accounts, months = options["accounts"], options["months"]
        self.stdout.write(f"Seeding {accounts:,} accounts as of {today} (seed {options['seed']}, {months} months)")
        try:
            summary = demo_book_seed(
                accounts=accounts, seed=options["seed"], months=months, today=today, progress=self.stdout.write
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        started = time.monotonic()
        # The seeder's COPY writes numbers encrypted but not their blind indexes: filled here, set-based.
        filled = pii_rewrite.blind_indexes_fill(connection, Phone)
        if filled.rewritten:
            self.stdout.write(
                f"Blind indexes of {filled.rewritten:,} phone numbers in {time.monotonic() - started:.1f}s"
            )
        self.stdout.write(
            f"Seeded {summary.accounts:,} accounts, {summary.borrowers:,} borrowers, {summary.phones:,} phones, "
            f"{summary.installments:,} installments, {summary.payments:,} payments, "
            f"{summary.allocations:,} allocations in {summary.seconds:.1f}s; "
            f"{summary.paid_off:,} paid off, {summary.delinquent:,} past due today"
        )
        if options["no_cob"]:
            return
        started = time.monotonic()
        self.stdout.write(f"Replaying the close of business over {months} months")
        cob_logger = logging.getLogger("accounts.services.cob")
        level = cob_logger.level
        if options["verbosity"] < 2:  # one line a month here instead of one a day from COB
            cob_logger.setLevel(logging.WARNING)
        try:
            results = demo_history_replay(
                today=today, months=months, accounts=summary.accounts, progress=self.stdout.write, close=book_close
            )
        finally:
            cob_logger.setLevel(level)
        last = results[-1]
        self.stdout.write(
            f"COB history: {len(results)} dates in {time.monotonic() - started:.1f}s; "
            f"today {last.accounts:,} accounts, {last.delinquent:,} delinquent"
        )
