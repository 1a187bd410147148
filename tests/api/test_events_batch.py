"""POST dialer/events/: up to 1,000 calls and results, each item answered on its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from collections_app.models import ContactAttempt, DialAuthorization
from tests.api.conftest import CaseDebt, Clock, Dialer, granted, iso, open_case_debt

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


def _answered_call(call_id: str, authorization_id: str, clock: Clock) -> dict[str, object]:
    return {
        **call_event(call_id, authorization_id, clock),
        "answered_at": iso(clock.at + dt.timedelta(seconds=8)),
    }


def test_plain_and_side_effect_results_in_one_batch_each_do_what_they_do_alone(dialer: Dialer, clock: Clock) -> None:
    # Given two debts, one authorization each
    plain, flagged = open_case_debt(), open_case_debt()
    a, b = granted(dialer, plain.phone), granted(dialer, flagged.phone)

    # When one batch reports a no-answer on the first and a do-not-call request on the second, in between
    # a result sent twice, and a late change of a completed call's times
    response = dialer.post(URL, {"events": [
        call_event("p-1", a, clock),
        _answered_call("f-1", b, clock),
        result_event("p-1"),
        {**result_event("f-1", disposition="dnc_request"), "talk_seconds": 20, "right_party": True, "conversation": True},
        result_event("p-1"),
        {**call_event("p-1", a, clock), "ended_at": iso(clock.at + dt.timedelta(seconds=90))},
    ]})  # fmt: skip

    # Then each is answered as the single endpoints would answer it
    body = response.json()
    assert [item["status"] for item in body["results"]] == [
        "accepted", "accepted", "accepted", "accepted", "duplicate", "rejected",
    ]  # fmt: skip
    assert body["results"][5]["code"] == "call_completed"
    # and the rows are what they would be: the plain call completed, the number on do-not-call
    first = ContactAttempt.objects.get(external_id=f"{dialer.integration.pk}:p-1")
    assert (first.status, first.disposition.code, first.answered_at) == ("completed", "no_answer", None)
    assert first.ended_at == clock.at + dt.timedelta(seconds=35)
    flagged.phone.refresh_from_db()
    assert flagged.phone.do_not_call is True
    second = ContactAttempt.objects.get(external_id=f"{dialer.integration.pk}:f-1")
    assert (second.status, second.conversation, second.talk_seconds) == ("completed", True, 20)


def test_a_batch_leaves_the_same_rows_as_the_single_endpoints(dialer: Dialer, clock: Clock) -> None:
    # Given the same calls reported once through the single endpoints and once in a batch
    single_debt, batch_debt = open_case_debt(), open_case_debt()
    single_auth, batch_auth = granted(dialer, single_debt.phone), granted(dialer, batch_debt.phone)
    call = {k: v for k, v in _answered_call("x", single_auth, clock).items() if k not in ("type", "external_call_id")}
    result = {"disposition": "refused", "talk_seconds": 42, "right_party": True, "conversation": True, "notes": "no money"}
    assert dialer.put("/api/v1/dialer/calls/s-1/", call).status_code in (200, 201)
    assert dialer.post("/api/v1/dialer/calls/s-1/result/", result).status_code == 201

    response = dialer.post(URL, {"events": [
        {"type": "call", "external_call_id": "b-1", **call, "authorization_id": batch_auth},
        {"type": "result", "external_call_id": "b-1", **result},
    ]})  # fmt: skip

    # Then both attempts and both authorizations read the same
    assert response.json()["accepted"] == 2
    fields = ("status", "answered_at", "ended_at", "talk_seconds", "conversation", "right_party_contact",
              "disposition_id", "notes", "case_id")  # fmt: skip
    single = ContactAttempt.objects.values(*fields).get(external_id=f"{dialer.integration.pk}:s-1")
    batch = ContactAttempt.objects.values(*fields).get(external_id=f"{dialer.integration.pk}:b-1")
    assert {**single, "case_id": None} == {**batch, "case_id": None}
    assert single["status"] == "completed"
    one, other = (
        DialAuthorization.objects.get(external_call_id=call_id) for call_id in ("s-1", "b-1")
    )
    assert (one.result, one.result_hash, one.call_started_at) == (other.result, other.result_hash, other.call_started_at)


def test_a_batch_of_plain_events_reads_and_writes_in_a_few_queries_whatever_its_size(
    dialer: Dialer, clock: Clock, django_assert_max_num_queries: Any
) -> None:
    # Given 60 debts with an authorization each
    debts = [open_case_debt() for _ in range(60)]
    events: list[dict[str, object]] = []
    for n, debt in enumerate(debts):
        authorization = granted(dialer, debt.phone)
        events += [call_event(f"q-{n}", authorization, clock), result_event(f"q-{n}")]

    # When the 120 events arrive in one batch, it takes a bounded number of queries, not some per event
    with django_assert_max_num_queries(25):
        response = dialer.post(URL, {"events": events})

    assert response.json()["accepted"] == 120
    assert ContactAttempt.objects.filter(external_id__startswith=f"{dialer.integration.pk}:q-", status="completed").count() == 60
