"""Instants at the ends of the calendar are bad input (400 naming the field), on every way in.

``9999-12-31T23:59:59Z`` used to overflow the engine's clock (it looks days ahead for a window) and
``0001-01-01T00:00:00Z`` to underflow it (it looks a day back): 500s. One range
(``config.instants``) now guards the API fields, the event batches, the engine and the forms.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from collections_app.models import ContactAttempt, DncEntry
from config.errors import DomainError
from config.instants import INSTANT_MAX, INSTANT_MIN
from scheduling.engine import evaluate
from tests.api.conftest import CaseDebt, Clock, Dialer, granted, iso
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXTREMES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"]


@pytest.fixture
def staff() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("at", EXTREMES)
def test_the_compliance_check_answers_400_for_an_instant_at_the_ends_of_the_calendar(
    dialer: Dialer, debt: CaseDebt, staff: APIClient, at: str
) -> None:
    for client in (staff, dialer.client):
        response = client.get("/api/v1/compliance/check/", {"phone_id": debt.phone.pk, "at": at})

        assert response.status_code == 400, response.content
        assert set(response.json()) == {"message", "errors", "code"}
        assert "at" in response.json()["errors"]


def test_the_range_edges_themselves_are_answered(dialer: Dialer, debt: CaseDebt) -> None:
    for at in (INSTANT_MIN, INSTANT_MAX):
        response = dialer.get("/api/v1/compliance/check/", {"phone_id": debt.phone.pk, "at": iso(at)})

        assert response.status_code == 200, response.content
        assert response.json()["at"].startswith(iso(at)[:19])


@pytest.mark.parametrize("at", [dt.datetime.max.replace(tzinfo=dt.UTC), dt.datetime.min.replace(tzinfo=dt.UTC)])
def test_the_engine_refuses_them_for_every_caller(dialer: Dialer, debt: CaseDebt, at: dt.datetime) -> None:
    with pytest.raises(DomainError) as refused:
        evaluate(phone=debt.phone, channel="call", at=at, source="dialer")

    assert "at" in refused.value.errors


@pytest.mark.parametrize("at", EXTREMES[:2])
def test_a_call_reported_at_them_is_refused_by_field(dialer: Dialer, debt: CaseDebt, clock: Clock, at: str) -> None:
    authorization_id = granted(dialer, debt.phone)

    put = dialer.put("/api/v1/dialer/calls/c-1/", {"authorization_id": authorization_id, "started_at": at})
    batch = dialer.post(
        "/api/v1/dialer/events/",
        {"events": [{"type": "call", "external_call_id": "c-2", "authorization_id": authorization_id, "started_at": at}]},
    )

    assert put.status_code == 400
    assert "started_at" in put.json()["errors"]
    assert batch.status_code == 200
    assert batch.json()["results"][0]["status"] == "rejected"
    assert "started_at" in batch.json()["results"][0]["errors"]
    assert not ContactAttempt.objects.filter(external_id__endswith=":c-2").exists()


@pytest.mark.parametrize("at", EXTREMES[:2])
def test_the_do_not_call_register_refuses_them(dialer: Dialer, at: str) -> None:
    pushed = dialer.post("/api/v1/dnc/", {"type": "do_not_call", "number": "+12125550100", "requested_at": at})
    feed = dialer.get("/api/v1/dnc/", {"updated_since": at})

    assert (pushed.status_code, feed.status_code) == (400, 400)
    assert "requested_at" in pushed.json()["errors"]
    assert "updated_since" in feed.json()["errors"]
    assert not DncEntry.objects.exists()
