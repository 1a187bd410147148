"""POST /api/v1/dialer/dial-authorizations/: the engine's reserve for dialers, and its release."""

from __future__ import annotations

import pytest

from collections_app.models import Case, ContactAttempt, DialAuthorization
from tests.api.conftest import CaseDebt, Clock, Dialer, authorize, granted, iso, open_case_debt

pytestmark = pytest.mark.django_db
URL = "/api/v1/dialer/dial-authorizations/"


def test_an_allowed_dial_reserves_an_attempt_that_expires_in_two_minutes(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    # When the dialer asks for a callable number
    response = authorize(dialer, debt.phone, case_id=debt.case.pk)

    # Then the attempt is reserved for this dialer, to be used within two minutes
    assert response.status_code == 201
    body = response.json()
    assert body["allowed"] is True
    assert body["expires_at"] == iso(clock.advance(minutes=2))
    assert body["case_id"] == debt.case.pk
    assert body["attempts_left_week"] == 6
    attempt = ContactAttempt.objects.get(pk=body["attempt_id"])
    assert attempt.status == ContactAttempt.Status.RESERVED
    assert attempt.source == ContactAttempt.Source.DIALER
    assert DialAuthorization.objects.get(pk=body["authorization_id"]).integration == dialer.integration


def test_the_eighth_dial_in_a_week_is_refused_with_the_reason_and_the_next_time(
    dialer: Dialer, debt: CaseDebt
) -> None:
    # Given seven authorizations this week
    for _ in range(7):
        granted(dialer, debt.phone)

    # When the dialer asks for an eighth
    response = authorize(dialer, debt.phone)

    # Then it is refused in the error body, with the engine's reasons and when to try again
    assert response.status_code == 409
    body = response.json()
    assert body["allowed"] is False
    assert body["code"] == "not_allowed"
    assert {"message", "errors", "code"} <= set(body)
    assert [reason["code"] for reason in body["reasons"]] == ["weekly_cap"]
    assert body["next_allowed_at"] is not None
    assert ContactAttempt.objects.filter(account=debt.account).count() == 7


def test_an_unreported_authorization_keeps_counting_after_it_expires(
    dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    for _ in range(7):
        granted(dialer, debt.phone)
    clock.advance(minutes=30)

    assert authorize(dialer, debt.phone).status_code == 409


def test_a_released_authorization_stops_counting(dialer: Dialer, debt: CaseDebt) -> None:
    ids = [granted(dialer, debt.phone) for _ in range(7)]

    response = dialer.post(f"{URL}{ids[0]}/release/")

    assert response.status_code == 200
    assert response.json() == {"authorization_id": ids[0], "status": "not_dialed"}
    assert authorize(dialer, debt.phone).status_code == 201


def test_releasing_twice_is_the_same_release(dialer: Dialer, debt: CaseDebt) -> None:
    authorization_id = granted(dialer, debt.phone)

    first = dialer.post(f"{URL}{authorization_id}/release/")
    second = dialer.post(f"{URL}{authorization_id}/release/")

    assert first.json() == second.json()
    assert ContactAttempt.objects.get().status == ContactAttempt.Status.NOT_DIALED


def test_a_phone_that_does_not_exist_is_404_with_the_field_named(dialer: Dialer, debt: CaseDebt) -> None:
    response = dialer.post(URL, {"phone_id": 999999})

    assert response.status_code == 404
    assert response.json()["errors"] == {"phone_id": ["No phone 999999."]}
    assert not ContactAttempt.objects.exists()


def test_a_case_that_does_not_exist_is_404_with_the_field_named(dialer: Dialer, debt: CaseDebt) -> None:
    response = authorize(dialer, debt.phone, case_id=999999)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["errors"] == {"case_id": ["No case 999999."]}
    assert not ContactAttempt.objects.exists()


def test_another_borrowers_case_is_refused_and_nothing_is_reserved(dialer: Dialer, debt: CaseDebt) -> None:
    # Given the case of another borrower
    other = open_case_debt()

    # When the dialer asks for this phone on that case
    response = authorize(dialer, debt.phone, case_id=other.case.pk)

    # Then it is refused by field, and no attempt counts
    assert response.status_code == 400
    assert response.json()["errors"] == {"case_id": ["Not this phone's case."]}
    assert not ContactAttempt.objects.exists()


def test_a_closed_case_is_refused_and_nothing_is_reserved(dialer: Dialer, debt: CaseDebt) -> None:
    Case.objects.filter(pk=debt.case.pk).update(status=Case.Status.CLOSED)

    response = authorize(dialer, debt.phone, case_id=debt.case.pk)

    assert response.status_code == 400
    assert response.json()["errors"] == {"case_id": ["This case is closed."]}
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"phone_id": "abc"}, {"phone_id": -3}, {"phone_id": 1, "case_id": "x"}, [1, 2], "phone"],
)
def test_a_malformed_body_is_400_in_the_error_body(dialer: Dialer, debt: CaseDebt, body: object) -> None:
    response = dialer.post(URL, body)

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors", "code"}
    assert not ContactAttempt.objects.exists()


def test_a_body_that_is_not_json_is_400(dialer: Dialer, debt: CaseDebt) -> None:
    response = dialer.client.post(URL, data="{phone_id: 1", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_case_of_another_borrower_is_refused(dialer: Dialer, debt: CaseDebt) -> None:
    from tests.api.conftest import open_case_debt

    other = open_case_debt()

    response = authorize(dialer, debt.phone, case_id=other.case.pk)

    assert response.status_code == 400
    assert "case_id" in response.json()["errors"]


def test_an_unknown_agent_is_refused(dialer: Dialer, debt: CaseDebt) -> None:
    response = authorize(dialer, debt.phone, agent="nobody")

    assert response.status_code == 400
    assert "agent" in response.json()["errors"]


def test_another_integrations_authorization_cannot_be_released(dialer: Dialer, debt: CaseDebt) -> None:
    from tests.api.conftest import dialer_client

    authorization_id = granted(dialer, debt.phone)
    other = dialer_client("other-dialer")

    response = other.post(f"{URL}{authorization_id}/release/")

    assert response.status_code == 404
    assert response.json()["code"] == "authorization_not_found"
    assert ContactAttempt.objects.get().status == ContactAttempt.Status.RESERVED
