"""POST dialer/events/: up to 1,000 calls and results, each item answered on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.models import ContactAttempt
from tests.api.conftest import CaseDebt, Clock, Dialer, granted, iso

pytestmark = pytest.mark.django_db
URL = "/api/v1/dialer/events/"


def call_event(call_id: str, authorization_id: str, clock: Clock) -> dict[str, object]:
    return {
        "type": "call",
        "external_call_id": call_id,
        "authorization_id": authorization_id,
        "started_at": iso(clock.at + dt.timedelta(seconds=5)),
        "ended_at": iso(clock.at + dt.timedelta(seconds=35)),
    }


def result_event(call_id: str, disposition: str = "no_answer") -> dict[str, object]:
    return {
        "type": "result",
        "external_call_id": call_id,
        "disposition": disposition,
        "talk_seconds": 0,
        "right_party": False,
        "conversation": False,
    }


def test_a_batch_with_good_and_bad_items_keeps_the_good_ones(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    # Given two authorizations
    first, second = granted(dialer, debt.phone), granted(dialer, debt.phone)
    events = [
        call_event("c-1", first, clock),
        result_event("c-1"),
        result_event("c-unknown"),  # never reported
        {"type": "call", "external_call_id": "c-2", "authorization_id": second, "started_at": "yesterday"},
        "not an event",
        {"type": "hangup", "external_call_id": "c-3"},
        call_event("c-2", second, clock),
        result_event("c-2", disposition="ZZZ"),  # unknown code
    ]

    # When they arrive in one batch
    response = dialer.post(URL, {"events": events})

    # Then each item is answered on its own, and the good ones are recorded
    assert response.status_code == 200
    body = response.json()
    assert [item["status"] for item in body["results"]] == [
        "accepted", "accepted", "rejected", "rejected", "rejected", "rejected", "accepted", "rejected",
    ]  # fmt: skip
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 0, 5)
    assert body["results"][2]["code"] == "call_not_found"
    assert "started_at" in body["results"][3]["errors"]
    assert "disposition" in body["results"][7]["errors"]
    assert [item["index"] for item in body["results"]] == list(range(8))
    statuses = dict(ContactAttempt.objects.values_list("external_id", "status"))
    assert statuses == {f"{dialer.integration.pk}:c-1": "completed", f"{dialer.integration.pk}:c-2": "reserved"}


def test_the_same_batch_sent_again_is_all_duplicates(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    events = [call_event("c-1", authorization_id, clock), result_event("c-1")]
    dialer.post(URL, {"events": events})

    again = dialer.post(URL, {"events": events}).json()

    assert [item["status"] for item in again["results"]] == ["duplicate", "duplicate"]
    assert ContactAttempt.objects.filter(status="completed").count() == 1


@pytest.mark.parametrize("body", [{}, {"events": []}, {"events": "many"}, {"events": [{}] * 1001}, []])
def test_a_batch_that_is_not_a_list_of_1_to_1000_events_is_400(dialer: Dialer, body: object) -> None:
    response = dialer.post(URL, body)

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors", "code"}


@pytest.mark.postgres
def test_a_refused_item_with_a_null_character_is_answered_and_its_key_replays(dialer: Dialer, debt: CaseDebt) -> None:
    # Found by schemathesis on PostgreSQL: jsonb cannot store NUL, so keeping the answer failed with a 500.
    body = {"events": [{"type": "result", "external_call_id": "a\x00b", "disposition": "no_answer"}]}

    first = dialer.post("/api/v1/dialer/events/", body, **{"Idempotency-Key": "nul-1"})
    again = dialer.post("/api/v1/dialer/events/", body, **{"Idempotency-Key": "nul-1"})

    assert first.status_code < 500
    assert again.status_code == first.status_code
