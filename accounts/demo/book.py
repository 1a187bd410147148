"""Seeding the demo book and replaying its close-of-business history.

The book is generated in fixed chunks of accounts, each from its own random stream
(``seed:chunk``), so the result depends only on the seed, the number of accounts and the as-of
date. Rows go to the database in bulk per chunk (COPY on PostgreSQL), so memory stays flat
whatever the size of the book.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.demo.chunks import (
    CHUNK_ACCOUNTS,
    COLUMNS,
    TABLES,
    Job,
    chunk_generate,
    copy_text,
    ids_reserve,
    rows_number,
)
from accounts.demo.loans import INSTALLMENTS, Ids, add_months
from accounts.demo.pool import parallel_chunks
from accounts.demo.writers import BulkCreateWriter, CopyWriter, TableSpec
from accounts.models import Borrower, Installment, LoanAccount, Payment, PaymentAllocation, Phone
from accounts.services.cob import CobResult, buckets_ensure_defaults, cob_run
from config.errors import DomainError

# Up to this many accounts, the history is replayed day by day; above it, month-ends only.
DAILY_REPLAY_MAX_ACCOUNTS = 20_000
MAX_MONTHS = 24
# From this size, on PostgreSQL, into tables holding fewer loans than that: the bulk load (keys
# and plain indexes made again after the copy, see ``CopyWriter``) and worker processes.
BULK_MIN_ACCOUNTS = 50_000
SEED_WORKERS = 2

Progress = Callable[[str], None]


@dataclass
class SeedSummary:
    accounts: int = 0
    borrowers: int = 0
    phones: int = 0
    installments: int = 0
    payments: int = 0
    allocations: int = 0
    paid_off: int = 0
    delinquent: int = 0
    seconds: float = 0.0

    def add(self, counts: Ids, paid_off: int, delinquent: int) -> None:
        self.accounts += counts.loan
        self.borrowers += counts.borrower
        self.phones += counts.phone
        self.installments += counts.installment
        self.payments += counts.payment
        self.allocations += counts.allocation
        self.paid_off += paid_off
        self.delinquent += delinquent


def _specs() -> dict[str, TableSpec]:
    model_of = {
        "borrower": Borrower, "phone": Phone, "loan": LoanAccount, "installment": Installment,
        "payment": Payment, "allocation": PaymentAllocation,
    }  # fmt: skip
    return {table: TableSpec(model_of[table], COLUMNS[table]) for table in TABLES}


def _next_ids() -> Ids:
    def next_id(model: type[models.Model]) -> int:
        return (model._default_manager.aggregate(m=Max("id"))["m"] or 0) + 1

    return Ids(
        borrower=next_id(Borrower), phone=next_id(Phone), loan=next_id(LoanAccount),
        installment=next_id(Installment), payment=next_id(Payment), allocation=next_id(PaymentAllocation),
    )


def _seed_prefix(seed: int) -> str:
    return f"D{seed}-"


def demo_book_exists(*, seed: int) -> bool:
    return Borrower.objects.filter(external_id__startswith=_seed_prefix(seed)).exists()


def _validate(*, accounts: int, seed: int, months: int) -> None:
    if accounts < 1:
        raise DomainError(_("The number of accounts must be at least 1."), errors={"accounts": [_("At least 1.")]})
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(
            _("History must be between 1 and %(max)s months.") % {"max": MAX_MONTHS},
            errors={"months": [_("Between 1 and %(max)s.") % {"max": MAX_MONTHS}]},
        )
    if demo_book_exists(seed=seed):
        raise DomainError(
            _("A demo book with seed %(seed)s exists already; use another seed.") % {"seed": seed},
            errors={"seed": [_("Already used.")]},
        )


@transaction.atomic
def demo_book_seed(
    *, accounts: int, seed: int = 1, months: int = 6, today: date, progress: Progress | None = None
) -> SeedSummary:
    """Generate ``accounts`` loan accounts with borrowers, phones, schedules, payments and allocations.

    One transaction: a failure leaves nothing behind. Loans open over the last ``months`` + 6
    months before ``today``; payments are those made before ``today``. The book depends only on
    the seed, the size and ``today`` (external ids too; keys follow the table's current maximum).
    Large books on PostgreSQL lock the seeded tables until the commit (see ``CopyWriter``).
    Bucket defaults are created too.
    """
    _validate(accounts=accounts, seed=seed, months=months)
    started = time.monotonic()
    say = progress or (lambda _message: None)
    buckets_ensure_defaults()
    now = datetime.now(UTC)
    span_days = (today - add_months(today, -(months + INSTALLMENTS))).days
    jobs = [
        Job(seed, chunk_no, min(CHUNK_ACCOUNTS, accounts - start), _seed_prefix(seed), today, span_days, now)
        for chunk_no, start in enumerate(range(0, accounts, CHUNK_ACCOUNTS))
    ]
    specs = _specs()
    next_ids = _next_ids()
    summary = SeedSummary()
    postgres = connection.vendor == "postgresql"
    bulk = postgres and accounts >= BULK_MIN_ACCOUNTS and LoanAccount.objects.count() < accounts

    def report(chunk_no: int) -> None:
        if chunk_no % 20 == 19 or chunk_no == len(jobs) - 1:
            say(f"  {summary.accounts:,}/{accounts:,} accounts written ({time.monotonic() - started:.1f}s)")

    if postgres:
        writer = CopyWriter(list(specs.values()), bulk=bulk)
        writer.begin()
        if bulk:
            extra = {table: spec.extra_values(now) for table, spec in specs.items()}
            chunks = parallel_chunks(jobs, first=next_ids, workers=SEED_WORKERS, extra=extra)
            for chunk_no, (texts, counts, paid_off, delinquent) in enumerate(chunks):
                for table in TABLES:
                    writer.write_text(specs[table], texts[table])
                summary.add(counts, paid_off, delinquent)
                report(chunk_no)
        else:
            for chunk_no, job in enumerate(jobs):
                chunk = chunk_generate(job)
                first = ids_reserve(next_ids, chunk.counts)
                for table in TABLES:
                    text = copy_text(table, chunk.rows[table], first, specs[table].extra_values(now))
                    writer.write_text(specs[table], text)
                summary.add(chunk.counts, chunk.paid_off, chunk.delinquent)
                report(chunk_no)
        say(f"  making keys and indexes ({time.monotonic() - started:.1f}s)")
        writer.finish()
        with connection.cursor() as cursor:
            for spec in specs.values():
                cursor.execute(f"ANALYZE {spec.table}")
    else:
        bulk_writer = BulkCreateWriter(list(specs.values()))
        for chunk_no, job in enumerate(jobs):
            chunk = chunk_generate(job)
            numbered = rows_number(chunk.rows, ids_reserve(next_ids, chunk.counts))
            for table in TABLES:
                bulk_writer.write(specs[table], numbered[table])
            summary.add(chunk.counts, chunk.paid_off, chunk.delinquent)
            report(chunk_no)
        bulk_writer.finish()
    summary.seconds = round(time.monotonic() - started, 1)
    return summary


def history_dates(*, today: date, months: int, daily: bool) -> list[date]:
    """COB dates to replay: every day of the last ``months`` months, or its month-ends and the last two days."""
    start = add_months(today, -months)
    if daily:
        return [start + timedelta(days=n) for n in range((today - start).days + 1)]
    month_ends = []
    day = date(start.year, start.month, 1)
    while True:
        day = add_months(day, 1)
        month_end = day - timedelta(days=1)
        if month_end >= today - timedelta(days=1):
            break
        if month_end >= start:
            month_ends.append(month_end)
    return [*month_ends, today - timedelta(days=1), today]


def demo_history_replay(
    *,
    today: date,
    months: int,
    accounts: int,
    progress: Progress | None = None,
    close: Callable[..., CobResult] = cob_run,
) -> list[CobResult]:
    """Close business over the past, oldest first, so reports and cases have a history.

    ``close(business_date=D)`` closes one date: the book's COB by default; the demo command passes
    the close that also opens and closes the cases (``collections_app.services.close.book_close``).

    Books up to ``DAILY_REPLAY_MAX_ACCOUNTS`` accounts get every day; larger ones the month-ends
    and the last two days (roll rates are month over month; the day-by-day figures start there).
    """
    say = progress or (lambda _message: None)
    dates = history_dates(today=today, months=months, daily=accounts <= DAILY_REPLAY_MAX_ACCOUNTS)
    results = []
    started = time.monotonic()
    for n, day in enumerate(dates, start=1):
        result = close(business_date=day)
        results.append(result)
        if n % 30 == 0 or n == len(dates) or len(dates) <= 12:
            say(
                f"  COB {day}: {result.accounts:,} accounts, {result.delinquent:,} delinquent "
                f"({n}/{len(dates)}, {time.monotonic() - started:.1f}s)"
            )
    return results
