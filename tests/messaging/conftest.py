"""Debts with an open case and a texting-ready mobile, for the messaging tests, built through the services."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps

from accounts.models import EmailAddress
from scheduling.presets import presets_ensure
from tests.api.conftest import CaseDebt, open_case_debt
from tests.scheduling.conftest import local

NY = "America/New_York"
MORNING = local(NY, 2026, 4, 7, 10, 0)  # a Tuesday, 10:00 in New York
NIGHT = local(NY, 2026, 4, 7, 22, 30)


def texting_debt(**fields: Any) -> CaseDebt:
    """An open case whose borrower's mobile consents to texts, with an address the borrower gave."""
    presets_ensure()
    # The shipped templates again, if a transactional test's flush removed them (data migration 0020).
    importlib.import_module("collections_app.migrations.0020_message_template_presets").forwards(apps, None)
    debt = open_case_debt(sms_consent=True, **fields)
    EmailAddress.objects.create(borrower=debt.borrower, address=f"b{debt.borrower.pk}@example.com", consent=True)
    return debt


@pytest.fixture
def debt(db: None) -> CaseDebt:
    return texting_debt()


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)
