"""The dialer's answers, whole: each body is written by the serializer its schema declares, with instants
in UTC (``Z``), ids as strings where the schema says uuid, and nothing more or less than it lists."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.models import ContactAttempt, DialAuthorization
from tests.api.conftest import CaseDebt, Clock, Dialer, authorize, granted, iso
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db
CALLS = "/api/v1/dialer/calls/"


def test_a_granted_authorization_is_answered_whole(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    # When the dialer asks for a callable number on its case
    response = authorize(dialer, debt.phone, case_id=debt.case.pk)

    # Then the answer holds the grant and the headroom after this attempt
    assert response.status_code == 201
    body = response.json()
    authorization = DialAuthorization.objects.get()
    assert body == {
        "allowed": True,
        "authorization_id": str(authorization.pk),
        "expires_at": iso(clock.at + dt.timedelta(minutes=2)),
        "attempt_id": authorization.attempt_id,
        "case_id": debt.case.pk,
        "attempts_left_today": 6,
        "attempts_left_week": 6,
        "window_closes_at": body["window_closes_at"],
    }
    assert body["window_closes_at"].endswith("Z")


def test_a_refused_authorization_is_the_error_body_with_the_engines_reasons(dialer: Dialer, debt: CaseDebt) -> None:
    # Given a week's calls spent
    for _ in range(7):
        granted(dialer, debt.phone)

    # When the dialer asks again
    response = authorize(dialer, debt.phone)

    # Then the refusal is the error body, the reasons and when to try again
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"message", "errors", "code", "allowed", "reasons", "next_allowed_at"}
    assert (body["code"], body["errors"], body["allowed"]) == ("not_allowed", {}, False)
    assert body["reasons"] == [{"code": "weekly_cap", "message": body["reasons"][0]["message"]}]
    assert body["next_allowed_at"].endswith("Z")


def test_a_release_answers_the_authorization_and_its_status(dialer: Dialer, debt: CaseDebt) -> None:
    authorization_id = granted(dialer, debt.phone)

    response = dialer.post(f"/api/v1/dialer/dial-authorizations/{authorization_id}/release/")

    assert response.status_code == 200
    assert response.json() == {"authorization_id": authorization_id, "status": "not_dialed"}


def test_a_reported_call_and_its_result_are_answered_whole(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    # Given an agent of ours and an authorization for the case
    make_agent(make_team("East", ["M1"]), "agent7")
    authorization_id = granted(dialer, debt.phone, case_id=debt.case.pk)
    started, ended = clock.at + dt.timedelta(seconds=5), clock.at + dt.timedelta(minutes=3)

    # When the dialer reports the call, then its result
    call = dialer.put(
        f"{CALLS}c-9/",
        {"authorization_id": authorization_id, "started_at": iso(started), "ended_at": iso(ended), "agent": "agent7"},
    )
    outcome = dialer.post(
        f"{CALLS}c-9/result/", {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False}
    )

    # Then each answer is the call or the result as recorded
    attempt = ContactAttempt.objects.get()
    assert call.status_code == 201
    assert call.json() == {
        "external_call_id": "c-9",
        "authorization_id": authorization_id,
        "attempt_id": attempt.pk,
        "case_id": debt.case.pk,
        "status": "reserved",
        "started_at": iso(started),
        "answered_at": None,
        "ended_at": iso(ended),
        "agent": "agent7",
    }
    assert outcome.status_code == 201
    assert outcome.json() == {
        "external_call_id": "c-9",
        "authorization_id": authorization_id,
        "attempt_id": attempt.pk,
        "case_id": debt.case.pk,
        "disposition": "no_answer",
        "effects": [],
        "promise_id": None,
        "duplicate": False,
    }
