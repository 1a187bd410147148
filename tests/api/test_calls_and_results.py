"""PUT dialer/calls/{id}/ and POST dialer/calls/{id}/result/: idempotent by the dialer's call id."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Phone
from collections_app.models import ContactAttempt, DialAuthorization, DncEntry, PromiseToPay
from collections_app.services.integrations import mappings_set
from collections_app.services.promise_policy import promise_policies_ensure
from tests.api.conftest import CaseDebt, Clock, Dialer, dialer_client, granted, iso

pytestmark = pytest.mark.django_db
CALLS = "/api/v1/dialer/calls/"


def report(dialer: Dialer, call_id: str, authorization_id: str, clock: Clock, **fields: Any) -> Any:
    body = {"authorization_id": authorization_id, "started_at": iso(clock.at + dt.timedelta(seconds=5)), **fields}
    return dialer.put(f"{CALLS}{call_id}/", body)


def result(dialer: Dialer, call_id: str, **fields: Any) -> Any:
    body = {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False, **fields}
    return dialer.post(f"{CALLS}{call_id}/result/", body)


def answered_call(dialer: Dialer, debt: CaseDebt, clock: Clock, call_id: str = "c-1") -> str:
    authorization_id = granted(dialer, debt.phone, case_id=debt.case.pk)
    response = report(
        dialer, call_id, authorization_id, clock,
        answered_at=iso(clock.at + dt.timedelta(seconds=15)), ended_at=iso(clock.at + dt.timedelta(minutes=4)),
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return authorization_id


def test_reporting_a_call_links_it_to_its_authorization(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)

    response = report(dialer, "c-1", authorization_id, clock, answered_at=iso(clock.at + dt.timedelta(seconds=9)))

    assert response.status_code == 201
    body = response.json()
    assert body["external_call_id"] == "c-1"
    assert body["status"] == "reserved"
    assert body["answered_at"] == iso(clock.at + dt.timedelta(seconds=9))
    attempt = ContactAttempt.objects.get()
    assert attempt.external_id == f"{dialer.integration.pk}:c-1"


def test_the_same_call_sent_again_changes_nothing_and_an_update_changes_the_times(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    authorization_id = granted(dialer, debt.phone)
    first = report(dialer, "c-1", authorization_id, clock)

    again = report(dialer, "c-1", authorization_id, clock)
    ended = report(dialer, "c-1", authorization_id, clock, ended_at=iso(clock.at + dt.timedelta(minutes=1)))

    assert (first.status_code, again.status_code, ended.status_code) == (201, 200, 200)
    assert again.json() == first.json()
    assert ended.json()["ended_at"] == iso(clock.at + dt.timedelta(minutes=1))
    assert ContactAttempt.objects.count() == 1


def test_an_unknown_authorization_is_404(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    response = report(dialer, "c-1", "5b0f3c1e-3f7c-4a51-9a7e-2f1d6c1e9b10", clock)

    assert response.status_code == 404
    assert response.json()["code"] == "authorization_not_found"


def test_another_integrations_authorization_is_404(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    other = dialer_client("other-dialer")

    response = report(other, "c-1", authorization_id, clock)

    assert response.status_code == 404
    assert DialAuthorization.objects.get().external_call_id is None


def test_a_call_started_after_the_authorization_expired_is_refused(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    authorization_id = granted(dialer, debt.phone)
    started = clock.at + dt.timedelta(minutes=3)

    response = dialer.put(f"{CALLS}c-1/", {"authorization_id": authorization_id, "started_at": iso(started)})

    assert response.status_code == 409
    assert response.json()["code"] == "authorization_expired"


def test_a_call_reported_late_but_started_in_time_is_accepted(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    started = clock.at + dt.timedelta(seconds=30)
    clock.advance(minutes=20)

    response = dialer.put(f"{CALLS}c-1/", {"authorization_id": authorization_id, "started_at": iso(started)})

    assert response.status_code == 201


def test_one_authorization_cannot_serve_two_calls(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    report(dialer, "c-1", authorization_id, clock)

    response = report(dialer, "c-2", authorization_id, clock)

    assert response.status_code == 409
    assert response.json()["code"] == "authorization_used"


def test_times_out_of_order_are_400_by_field(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)

    response = report(
        dialer, "c-1", authorization_id, clock,
        answered_at=iso(clock.at + dt.timedelta(seconds=60)), ended_at=iso(clock.at + dt.timedelta(seconds=30)),
    )  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ended_at"}


def test_a_time_without_its_offset_is_refused(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)

    response = dialer.put(f"{CALLS}c-1/", {"authorization_id": authorization_id, "started_at": "2026-04-07T14:00:05"})

    assert response.status_code == 400
    assert "started_at" in response.json()["errors"]


def test_a_call_reported_not_dialed_releases_its_authorization(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)

    response = dialer.put(f"{CALLS}c-1/", {"authorization_id": authorization_id, "outcome": "not_dialed"})

    assert response.status_code == 201
    assert response.json()["status"] == "not_dialed"
    assert result(dialer, "c-1").status_code == 409


def test_a_result_completes_the_call(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    report(dialer, "c-1", authorization_id, clock, ended_at=iso(clock.at + dt.timedelta(seconds=40)))

    response = result(dialer, "c-1", notes="rang out")

    assert response.status_code == 201
    body = response.json()
    assert body["disposition"] == "no_answer"
    assert body["duplicate"] is False
    attempt = ContactAttempt.objects.get()
    assert attempt.status == ContactAttempt.Status.COMPLETED
    assert attempt.disposition.code == "no_answer"
    assert attempt.notes == "rang out"


def test_the_same_result_twice_is_one_result(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    answered_call(dialer, debt, clock)
    body = {"disposition": "refused", "talk_seconds": 200, "right_party": True, "conversation": True}

    first = result(dialer, "c-1", **body)
    second = result(dialer, "c-1", **body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {**first.json(), "duplicate": True}
    assert ContactAttempt.objects.filter(status=ContactAttempt.Status.COMPLETED).count() == 1


def test_a_different_result_for_a_recorded_call_is_409(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    answered_call(dialer, debt, clock)
    result(dialer, "c-1", disposition="refused", talk_seconds=200, right_party=True, conversation=True)

    response = result(dialer, "c-1", disposition="callback", talk_seconds=200, right_party=True, conversation=True)

    assert response.status_code == 409
    assert response.json()["code"] == "result_conflict"
    assert ContactAttempt.objects.get().disposition.code == "refused"


def test_a_result_for_an_unknown_call_is_404(dialer: Dialer, debt: CaseDebt) -> None:
    response = result(dialer, "never-reported")

    assert response.status_code == 404
    assert response.json()["code"] == "call_not_found"


def test_the_dialers_own_code_is_mapped_to_ours(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    mappings_set(integration=dialer.integration, mappings={"NA": "no_answer", "BZ": "busy"})
    authorization_id = granted(dialer, debt.phone)
    report(dialer, "c-1", authorization_id, clock)

    response = result(dialer, "c-1", disposition="BZ")

    assert response.json()["disposition"] == "busy"


def test_an_unknown_code_is_400_and_writes_nothing(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    authorization_id = granted(dialer, debt.phone)
    report(dialer, "c-1", authorization_id, clock)

    response = result(dialer, "c-1", disposition="ZZZ")

    assert response.status_code == 400
    assert "disposition" in response.json()["errors"]
    assert ContactAttempt.objects.get().status == ContactAttempt.Status.RESERVED


def test_an_inconsistent_outcome_is_400_by_field(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    answered_call(dialer, debt, clock)

    response = result(dialer, "c-1", disposition="refused", talk_seconds=60, right_party=False, conversation=True)

    assert response.status_code == 400
    assert "right_party_contact" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"disposition": "no_answer", "talk_seconds": -1, "right_party": False, "conversation": False},
        {"disposition": "no_answer", "talk_seconds": "long", "right_party": False, "conversation": False},
        {"disposition": "no_answer", "talk_seconds": 0, "right_party": "maybe", "conversation": False},
        {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False,
         "promise": {"amount": "lots", "date": "soon"}},
    ],
)  # fmt: skip
def test_a_malformed_result_is_400(dialer: Dialer, debt: CaseDebt, clock: Clock, body: dict[str, Any]) -> None:
    authorization_id = granted(dialer, debt.phone)
    report(dialer, "c-1", authorization_id, clock)

    response = dialer.post(f"{CALLS}c-1/result/", body)

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_do_not_call_disposition_flags_the_number_and_enters_the_register(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    answered_call(dialer, debt, clock)

    response = result(dialer, "c-1", disposition="dnc_request", talk_seconds=30, right_party=True, conversation=True)

    assert response.json()["effects"] == ["do_not_call"]
    assert Phone.objects.get(pk=debt.phone.pk).do_not_call is True
    entry = DncEntry.objects.get()
    assert (entry.type, entry.number, entry.source) == ("do_not_call", debt.phone.number, "disposition")
    assert entry.integration == dialer.integration  # the register's feed says which dialer heard it


def test_a_cease_disposition_enters_the_register_once_with_the_dialer_that_heard_it(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    answered_call(dialer, debt, clock)

    response = result(dialer, "c-1", disposition="cease_request", talk_seconds=30, right_party=True, conversation=True)

    assert response.status_code == 201, response.json()
    assert "cease" in response.json()["effects"]
    entry = DncEntry.objects.get()
    assert (entry.type, entry.borrower_id, entry.source) == ("cease", debt.borrower.pk, "disposition")
    assert entry.integration == dialer.integration


def test_a_promise_in_a_result_goes_through_the_promise_rules(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    promise_policies_ensure()
    debt.case.overdue_amount = Decimal("400.00")
    debt.case.save()
    answered_call(dialer, debt, clock)

    response = result(
        dialer, "c-1", disposition="rpc_promise", talk_seconds=120, right_party=True, conversation=True,
        promise={"amount": "150.00", "date": "2026-04-10"},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    promise = PromiseToPay.objects.get(pk=response.json()["promise_id"])
    assert (promise.amount, promise.first_date, promise.source) == (Decimal("150.00"), dt.date(2026, 4, 10), "dialer")
    assert promise.attempt == ContactAttempt.objects.get()


def test_a_promise_the_rules_refuse_writes_nothing_not_even_the_result(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    promise_policies_ensure()
    answered_call(dialer, debt, clock)

    response = result(
        dialer, "c-1", disposition="rpc_promise", talk_seconds=120, right_party=True, conversation=True,
        promise={"amount": "150.00", "date": "2026-09-30"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "promise.date" in response.json()["errors"]
    assert not PromiseToPay.objects.exists()
    assert ContactAttempt.objects.get().status == ContactAttempt.Status.RESERVED


def test_a_call_id_with_a_null_character_is_bad_input_not_a_server_error(dialer: Dialer, debt: CaseDebt) -> None:
    # Found by schemathesis: PostgreSQL text cannot hold NUL, so storing it failed with a 500.
    response = dialer.client.put(
        "/api/v1/dialer/calls/abc%00def/", {"authorization_id": "x", "started_at": "2026-03-10T14:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    assert "external_call_id" in response.json()["errors"]
    assert not ContactAttempt.objects.filter(external_id__contains="abc").exists()
