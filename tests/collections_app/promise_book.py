"""A small book for the promise and callback tests: agents, a case on a scheduled loan, payments."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import Payment
from accounts.services.payments import PaymentIn
from collections_app.models import Agent, Case, PromiseToPay
from collections_app.services.book import payments_post_crediting
from collections_app.services.promises import promise_create
from tests.factories import PhoneFactory, loan_with_schedule

NEW_YORK = "America/New_York"
_ids = itertools.count(1)


def make_case(
    agent: Agent | None,
    *,
    bucket: str = "M1",
    overdue: Decimal = Decimal("500.00"),
    timezone: str = NEW_YORK,
    phone: bool = True,
    dpd: int = 20,
) -> Case:
    """An open case on a loan with a schedule, its borrower in ``timezone`` with one mobile number."""
    loan = loan_with_schedule(
        first_due=dt.date(2026, 1, 15),
        borrower__timezone=timezone,
        bucket=bucket,
        dpd=dpd,
        overdue_amount=overdue,
    )
    if phone:
        PhoneFactory(borrower=loan.borrower, number=f"+1212556{next(_ids):04d}", timezones=timezone)
    return Case.objects.create(
        account=loan,
        bucket=bucket,
        dpd=dpd,
        overdue_amount=overdue,
        opened_on=dt.date(2026, 2, 1),
        agent=agent,
        team=agent.team if agent else None,
    )


def promise(case: Case, *parts: tuple[dt.date, str], today: dt.date, **kwargs: object) -> PromiseToPay:
    return promise_create(case=case, parts=[(d, Decimal(a)) for d, a in parts], today=today, **kwargs)  # type: ignore[arg-type]


def pay(case: Case, amount: str, on: dt.date, *, hour: int = 12) -> Payment:
    """A payment received at ``hour`` o'clock on the borrower's date ``on``."""
    borrower = case.account.borrower
    received_at = dt.datetime.combine(on, dt.time(hour), tzinfo=ZoneInfo(borrower.timezone))
    result = payments_post_crediting(
        items=[
            PaymentIn(
                external_id=f"P{next(_ids):06d}",
                loan_external_id=case.account.external_id,
                amount=Decimal(amount),
                received_at=received_at,
                channel=Payment.Channel.BORROWER,
            )
        ],
        actor_label="core",
    )
    return result.payments[0]
