"""Every API's tests: dialer clients, debts with open cases, a clock the API reads, the shipped
policies, and the lived book of the report API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Phone
from collections_app.models import Case, Integration
from collections_app.services.integrations import integration_create
from scheduling.presets import presets_ensure
from tests.reports.book import Book, reports_book_lived
from tests.scheduling.conftest import Debt, local, make_debt

NY = "America/New_York"
# A Tuesday, 10:00 in New York: inside the US Reg F window.
MORNING = local(NY, 2026, 4, 7, 10)


class Clock:
    """``timezone.now()`` as the tests set it (every module reads it through ``django.utils.timezone``)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at = self.at + dt.timedelta(**delta)
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@dataclass
class Dialer:
    integration: Integration
    token: str
    client: APIClient

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(path, body, format="json", headers=headers or None)

    def put(self, path: str, body: Any = None) -> Any:
        return self.client.put(path, body, format="json")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {})


def dialer_client(name: str = "acme-dialer", kind: str = Integration.Kind.DIALER, **fields: Any) -> Dialer:
    integration, token = integration_create(name=name, kind=kind, **fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return Dialer(integration=integration, token=token, client=client)


@pytest.fixture
def dialer(db: None, clock: Clock) -> Dialer:
    presets_ensure()
    return dialer_client()


@dataclass
class CaseDebt(Debt):
    case: Case


def open_case_debt(*, priority: int = 0, dpd: int = 10, bucket: str = "M1", **debt_fields: Any) -> CaseDebt:
    """A debt with an open case (and a callable mobile with autodialer consent)."""
    debt = make_debt(**debt_fields)
    case = Case.objects.create(
        account=debt.account, opened_on=dt.date(2026, 3, 1), bucket=bucket, dpd=dpd, priority=priority
    )
    return CaseDebt(borrower=debt.borrower, account=debt.account, phone=debt.phone, case=case)


@pytest.fixture
def debt(dialer: Dialer) -> CaseDebt:
    return open_case_debt()


def authorize(dialer: Dialer, phone: Phone, **body: Any) -> Any:
    return dialer.post("/api/v1/dialer/dial-authorizations/", {"phone_id": phone.pk, **body})


def granted(dialer: Dialer, phone: Phone, **body: Any) -> str:
    response = authorize(dialer, phone, **body)
    assert response.status_code == 201, response.json()
    return str(response.json()["authorization_id"])


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def presets(db: None) -> None:
    """The shipped policies (the data migration made them; a flushed database needs them again)."""
    presets_ensure()


@pytest.fixture
def new_yorker(presets: None) -> Debt:
    return make_debt()


@pytest.fixture(scope="module")
def lived_report_book(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Book]:
    """The report book (``tests.reports.book``), lived once for the module and rolled back after it."""
    with django_db_blocker.unblock(), reports_book_lived() as book:
        yield book


@pytest.fixture
def report_book(lived_report_book: Book, db: None) -> Book:
    return lived_report_book
