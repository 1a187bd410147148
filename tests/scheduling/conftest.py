"""Borrowers, debts and calls for the compliance engine's tests, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Borrower, LoanAccount, Phone
from collections_app.models import ContactAttempt, DispositionCode
from collections_app.services.attempts import AttemptOutcome, attempt_complete, attempt_reserve
from scheduling.presets import presets_ensure
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory

_numbers = itertools.count(1000)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant given by the wall clock in ``zone``, as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


@dataclass
class Debt:
    borrower: Borrower
    account: LoanAccount
    phone: Phone


def make_debt(
    *,
    country: str = "US",
    region: str = "NY",
    timezone: str = "America/New_York",
    phone_zones: str = "America/New_York",
    phone_type: str = Phone.Type.MOBILE,
    product: str = "cash",
    **phone_fields: object,
) -> Debt:
    borrower = BorrowerFactory(country=country, region=region, timezone=timezone)
    account = LoanFactory(borrower=borrower, product=product)
    prefix = "+8613800" if country == "CN" else "+1212555"
    phone = PhoneFactory(
        borrower=borrower,
        number=f"{prefix}{next(_numbers):04d}",
        type=phone_type,
        timezones=phone_zones,
        **phone_fields,
    )
    return Debt(borrower=borrower, account=account, phone=phone)


@pytest.fixture
def presets(db: None) -> None:
    """The shipped policies (the data migration made them; a flushed database needs them again)."""
    presets_ensure()


@pytest.fixture
def new_yorker(presets: None) -> Debt:
    return make_debt()


@pytest.fixture
def shanghai_borrower(presets: None) -> Debt:
    return make_debt(country="CN", region="", timezone="Asia/Shanghai", phone_zones="Asia/Shanghai")


def call(
    debt: Debt,
    at: dt.datetime,
    *,
    answered: bool = False,
    conversation: bool = False,
    disposition: str | None = None,
    phone: Phone | None = None,
) -> ContactAttempt:
    """An agent's call that the engine allowed, reported with its outcome."""
    decision, attempt = attempt_reserve(phone=phone or debt.phone, at=at, account=debt.account)
    assert decision.allowed, decision.codes
    assert attempt is not None
    return attempt_complete(
        attempt=attempt,
        outcome=AttemptOutcome(
            answered_at=at if answered or conversation else None,
            ended_at=at + dt.timedelta(minutes=2),
            conversation=conversation,
            right_party_contact=conversation,
            disposition=DispositionCode.objects.get(code=disposition) if disposition else None,
        ),
    )
