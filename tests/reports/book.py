"""A small hand-built book lived day by day from 2026-01-01 to 2026-04-30, through the services.

Every day: the day's payments are posted, the day's close of business runs, cases are assigned,
promises past their deadline are settled; on Tuesdays and Thursdays the agents call their cases (through
the compliance engine) and record promises after right-party contacts. One loan is charged off
by the lending system on 2026-04-15 (no service exists for that: a status change, as the core
system's import would make it).

Loans (six monthly installments of 200.00 principal + 20.00 interest unless said otherwise):
- ONTIME (cash, first due 01-10): pays every installment on its due date: current throughout.
- NEVER (cash, 01-10): never pays: M1 in January, M2 in February, M3 in March, M4 in April.
- CURES (cash, 01-15): misses January, pays both installments on 02-20: M1 at the end of January, current at
  the end of February.
- PARTIAL (instalment, 01-20): pays 100.00 on 02-25, 220.00 on 03-22 and on 04-21: stays late.
- PAYOFF (instalment, 02-05): pays the first installment, then everything on 03-18: paid off.
- LATE2 (cash, 02-01): pays two days late in February, on time in March, four days late in April.
- CHARGED (instalment, 01-05): never pays; charged off on 04-15.
- NEWBIE (cash, opened 02-12, first due 03-15): pays March, misses April 15: M1 at the end.
- CUREM2 (instalment, 01-25): misses January and February, pays 660.00 on 03-28: M2 back to M0.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.apps import apps
from django.db import transaction

from accounts.models import LoanAccount, Payment
from accounts.services.payments import PaymentIn
from collections_app.models import Agent, Case, DispositionCode
from collections_app.reports.jobs import reports_aggregate_range
from collections_app.services.assignment import cases_assign
from collections_app.services.book import payments_post_crediting
from collections_app.services.calls import call_outcome_record, call_place
from collections_app.services.close import book_close
from collections_app.services.promise_matching import promises_settle
from collections_app.services.promises import promise_create
from config.errors import DomainError
from scheduling.presets import presets_ensure
from tests.factories import BorrowerFactory, PhoneFactory, loan_with_schedule, make_agent, make_team

FIRST_DAY = dt.date(2026, 1, 1)
LAST_DAY = dt.date(2026, 4, 30)
MONTH_ENDS = [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]
CHARGE_OFF_DAY = dt.date(2026, 4, 15)
CALL_DAYS = (1, 3)  # Tuesdays and Thursdays

LOANS: dict[str, tuple[str, dt.date]] = {
    "ONTIME": ("cash", dt.date(2026, 1, 10)),
    "NEVER": ("cash", dt.date(2026, 1, 10)),
    "CURES": ("cash", dt.date(2026, 1, 15)),
    "PARTIAL": ("instalment", dt.date(2026, 1, 20)),
    "PAYOFF": ("instalment", dt.date(2026, 2, 5)),
    "LATE2": ("cash", dt.date(2026, 2, 1)),
    "CHARGED": ("instalment", dt.date(2026, 1, 5)),
    "NEWBIE": ("cash", dt.date(2026, 3, 15)),
    "CUREM2": ("instalment", dt.date(2026, 1, 25)),
}
PAYMENTS: list[tuple[str, dt.date, str]] = [
    *[("ONTIME", dt.date(2026, m, 10), "220.00") for m in (1, 2, 3, 4)],
    ("CURES", dt.date(2026, 2, 20), "440.00"),
    ("CURES", dt.date(2026, 3, 15), "220.00"),
    ("CURES", dt.date(2026, 4, 15), "220.00"),
    ("PARTIAL", dt.date(2026, 2, 25), "100.00"),
    ("PARTIAL", dt.date(2026, 3, 22), "220.00"),
    ("PARTIAL", dt.date(2026, 4, 21), "220.00"),
    ("PAYOFF", dt.date(2026, 2, 5), "220.00"),
    ("PAYOFF", dt.date(2026, 3, 18), "1100.00"),
    ("LATE2", dt.date(2026, 2, 3), "220.00"),
    ("LATE2", dt.date(2026, 3, 1), "220.00"),
    ("LATE2", dt.date(2026, 4, 5), "220.00"),
    ("NEWBIE", dt.date(2026, 3, 15), "220.00"),
    ("CUREM2", dt.date(2026, 3, 28), "660.00"),
]
# The outcome of the n-th call of the simulation, in turn: (disposition, right party, conversation, talk seconds).
OUTCOMES = [
    ("no_answer", False, False, 0),
    ("rpc_promise", True, True, 180),
    ("third_party", False, False, 40),
    ("refused", True, True, 95),
    ("voicemail", False, False, 0),
]


@dataclass
class Book:
    loans: dict[str, LoanAccount]
    agents: dict[str, Agent]
    calls: int = 0
    refused_calls: int = 0
    promises: int = 0
    refused_promises: int = 0
    log: list[str] = field(default_factory=list)


def _dispositions_ensure() -> None:
    import importlib

    importlib.import_module("collections_app.migrations.0003_disposition_defaults").ensure_defaults(apps, None)


def _work_the_cases(book: Book, day: dt.date, counter: itertools.count) -> None:
    """Each agent calls each of their open cases once, at 15:00 UTC (10:00 or 11:00 in New York)."""
    codes = {code.code: code for code in DispositionCode.objects.all()}
    cases = Case.objects.filter(status=Case.Status.OPEN, agent__isnull=False).select_related(
        "account__borrower", "agent__user"
    )
    for minute, case in enumerate(cases.order_by("pk")):
        user = case.agent.user
        phone = case.account.borrower.phones.first()
        at = dt.datetime.combine(day, dt.time(15, minute), tzinfo=dt.UTC)
        placed = call_place(case=case, phone=phone, actor=user, at=at)
        if placed.attempt is None:
            book.refused_calls += 1
            continue
        book.calls += 1
        code, right_party, conversation, talk = OUTCOMES[next(counter) % len(OUTCOMES)]
        outcome = call_outcome_record(
            attempt=placed.attempt, disposition=codes[code], right_party_contact=right_party,
            conversation=conversation, talk_seconds=talk, notes="", actor=user,
            ended_at=at + dt.timedelta(seconds=talk + 20), at=at + dt.timedelta(seconds=talk + 20),
        )
        if code == "rpc_promise":
            amount = min(case.overdue_amount, Decimal("220.00"))
            try:
                promise_create(
                    case=case, parts=[(day + dt.timedelta(days=4), amount)], actor=user,
                    attempt=outcome.attempt, today=day,
                )
                book.promises += 1
            except DomainError as refusal:
                book.refused_promises += 1
                book.log.append(f"{day} promise refused on case {case.pk}: {refusal.errors}")


def reports_book(*, calls: bool = True) -> Book:
    """Live the book through; ``calls=False`` leaves the agents idle (quicker, for the browser test)."""
    presets_ensure()
    _dispositions_ensure()
    early = make_team("Early", ["M1", "M2"])
    late = make_team("Late", ["M3", "M4", "M5", "M6", "M6+"])
    agents = {"ann": make_agent(early, "ann"), "bob": make_agent(early, "bob"), "cat": make_agent(late, "cat")}
    loans = {}
    for number, (name, (product, first_due)) in enumerate(LOANS.items()):
        borrower = BorrowerFactory(external_id=f"B-{name}")
        PhoneFactory(borrower=borrower, number=f"+1212555{number:04d}")
        loans[name] = loan_with_schedule(first_due=first_due, external_id=name, product=product, borrower=borrower)
    book = Book(loans=loans, agents=agents)
    counter = itertools.count()
    payment_ids = itertools.count(1)
    day = FIRST_DAY
    while day <= LAST_DAY:
        with wall_clock(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)):
            _live_the_day(book, day, counter if calls else None, payment_ids)
        # The nightly jobs run early the next morning.
        with wall_clock(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1), tzinfo=dt.UTC)):
            book_close(business_date=day)
            cases_assign(today=day + dt.timedelta(days=1))
            promises_settle(today=day)
        day += dt.timedelta(days=1)
    return book


@contextmanager
def wall_clock(instant: dt.datetime) -> Iterator[None]:
    """Stand ``django.utils.timezone.now`` (so every ``auto_now`` and audit time) at ``instant``."""
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield


def _live_the_day(book: Book, day: dt.date, counter: itertools.count | None, payment_ids: itertools.count) -> None:
    todays = [
        PaymentIn(f"PAY-{next(payment_ids)}", name, Decimal(amount),
                  dt.datetime.combine(day, dt.time(11), tzinfo=dt.UTC), Payment.Channel.BORROWER)  # before noon's clock
        for name, on, amount in PAYMENTS
        if on == day
    ]
    if todays:
        payments_post_crediting(items=todays, actor_label="core")
    if day == CHARGE_OFF_DAY:
        LoanAccount.objects.filter(external_id="CHARGED").update(
            status=LoanAccount.Status.CHARGED_OFF, closed_on=day
        )
    if counter is not None and day.weekday() in CALL_DAYS:
        _work_the_cases(book, day, counter)


@contextmanager
def reports_book_lived() -> Iterator[Book]:
    """The book lived day by day, with every report aggregate computed for its four months, in a
    transaction rolled back when the block ends (the caller unblocks the database)."""
    with transaction.atomic():
        book = reports_book()
        reports_aggregate_range(first=FIRST_DAY, last=LAST_DAY)
        yield book
        transaction.set_rollback(True)
