"""From the call to the promise: the call outcome's follow-up loads the promise panel for that call."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from collections_app.models import ContactAttempt, PromiseToPay
from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.models import Callback, ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def log_call(client, case, disposition):  # type: ignore[no-untyped-def]
    client.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}, **HTMX)
    attempt = ContactAttempt.objects.filter(case=case).latest("pk")
    logged = client.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome(disposition), **HTMX)
    return attempt, logged.content.decode()


def test_a_promise_call_loads_the_promise_panel_for_that_call_and_the_promise_is_linked_to_it(floor, at):
    promise_policies_ensure()
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    attempt, logged = log_call(client, case, "rpc_promise")
    loader = re.search(r'hx-get="([^"]*/promises/[^"]*)"', logged)
    assert loader is not None, logged
    panel = client.get(loader.group(1).replace("&amp;", "&"), **HTMX).content.decode()
    recorded = client.post(
        f"/cases/{case.pk}/promises/new/?slot=call",
        {"attempt": attempt.pk, "date_0": "2026-04-10", "amount_0": "50.00", "follow_up_at": "2026-04-10T18:00"},
        **HTMX,
    )

    assert f"attempt={attempt.pk}" in loader.group(1)
    assert 'id="id_call_date_0"' in panel and "From the call placed at 2026-04-07 14:0" in panel
    assert "Promise of 50.00 USD recorded." in recorded.content.decode()
    promise = PromiseToPay.objects.get(case=case)
    assert (promise.attempt, promise.made_on) == (attempt, dt.date(2026, 4, 7))
    # The follow-up call falls in the conversation's 7-day cool-down: the consent given now allows it.
    assert ContactPreference.objects.get(borrower=case.account.borrower).direct_consent_at == MORNING
    assert Callback.objects.get(case=case).reason == "promise"


def test_a_callback_request_loads_the_callback_panel(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    _attempt, logged = log_call(client, case, "callback")

    assert f'hx-get="/cases/{case.pk}/callbacks/?slot=call"' in logged
