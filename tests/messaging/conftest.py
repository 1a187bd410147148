"""Debts with an open case and a texting-ready mobile, for the messaging tests, built through the services."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import EmailAddress
from collections_app.models import Message
from scheduling.presets import presets_ensure
from tests.api.conftest import CaseDebt, open_case_debt
from tests.messaging import stubs
from tests.messaging.stubs import SmsApi, SmtpServer
from tests.scheduling.conftest import local

NY = "America/New_York"
MORNING = local(NY, 2026, 4, 7, 10, 0)  # a Tuesday, 10:00 in New York
NIGHT = local(NY, 2026, 4, 7, 22, 30)


def templates_ensure() -> None:
    """The shipped templates again, if a transactional test's flush removed them (data migration 0020)."""
    importlib.import_module("collections_app.migrations.0020_message_template_presets").forwards(apps, None)


def texting_debt(**fields: Any) -> CaseDebt:
    """An open case whose borrower's mobile consents to texts, with an address the borrower gave."""
    presets_ensure()
    templates_ensure()
    debt = open_case_debt(sms_consent=True, **fields)
    EmailAddress.objects.create(borrower=debt.borrower, address=f"b{debt.borrower.pk}@example.com", consent=True)
    return debt


@pytest.fixture
def debt(db: None) -> CaseDebt:
    return texting_debt()


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


PROVIDERS = "collections_app.services.message_providers"
SENDER = "+12125550199"
CALLBACK_BASE = "https://cw.example.com"


@pytest.fixture
def sms_api(settings: Any) -> Iterator[SmsApi]:
    """A stub of the Twilio-compatible Messages API on the loopback, and the settings that send to it."""
    with stubs.sms_api() as api:
        settings.MESSAGING_SMS_PROVIDER = f"{PROVIDERS}.TwilioSmsProvider"
        settings.MESSAGING_SMS_API_URL = api.url
        settings.MESSAGING_SMS_ACCOUNT_SID = stubs.SID
        settings.MESSAGING_SMS_AUTH_TOKEN = stubs.TOKEN
        settings.MESSAGING_SMS_FROM = SENDER
        settings.MESSAGING_SMS_INTEGRATION = "twilio"
        settings.MESSAGING_CALLBACK_BASE_URL = CALLBACK_BASE
        settings.MESSAGING_SEND_MAX_RETRIES = 3
        settings.MESSAGING_RETRY_SECONDS = 0
        yield api


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on the loopback, and Django's SMTP backend pointed at it for messages."""
    with stubs.smtp_server() as server:
        settings.MESSAGING_EMAIL_PROVIDER = f"{PROVIDERS}.DjangoEmailProvider"
        settings.MESSAGING_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.MESSAGING_EMAIL_FROM = "collections@lender.example"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.MESSAGING_SEND_MAX_RETRIES = 3
        settings.MESSAGING_RETRY_SECONDS = 0
        yield server


def window_open(message: Message) -> Message:
    """A message decided at a fixed instant of the tests' calendar, as if decided a moment ago: the
    window its decision allowed it in is still open now (the sender checks it against the clock)."""
    closes = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    Message.objects.filter(pk=message.pk).update(decision={**message.decision, "window_closes_at": closes})
    message.refresh_from_db()
    return message
