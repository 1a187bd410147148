"""The call-logging services as a dialer (or any caller) uses them, without the screens."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEntry, Phone
from collections_app.models import ContactAttempt
from collections_app.services.attempts import attempt_reserve
from collections_app.services.calls import call_outcome_record, call_place
from config.errors import DomainError
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    at_fixture,
    code,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    open_case,
)

pytestmark = pytest.mark.django_db


def dialer_attempt(case):  # type: ignore[no-untyped-def]
    decision, attempt = attempt_reserve(
        phone=first_phone(case), at=MORNING, source="dialer", case=case, external_id="d-1"
    )
    assert decision.allowed, decision.codes
    return attempt


def test_a_dialer_reports_its_call_with_its_own_times_and_recording(floor):
    case = open_case(floor.ann)
    attempt = dialer_attempt(case)
    answered, ended = MORNING + dt.timedelta(seconds=12), MORNING + dt.timedelta(seconds=192)

    result = call_outcome_record(
        attempt=attempt,
        disposition=code("wrong_number"),
        right_party_contact=False,
        conversation=False,
        talk_seconds=0,
        notes="",
        actor=None,
        recording_ref="rec-77",
        answered_at=answered,
        ended_at=ended,
    )

    stored = ContactAttempt.objects.get(pk=attempt.pk)
    assert (stored.source, stored.answered_at, stored.ended_at, stored.recording_ref) == (
        "dialer",
        answered,
        ended,
        "rec-77",
    )
    assert result.effects == ["number_uncallable"]
    assert Phone.objects.get(pk=attempt.phone_id).uncallable
    assert AuditEntry.objects.get(action="phone.uncallable").actor is None


def test_an_inconsistent_report_raises_errors_by_field_and_applies_no_side_effect(floor):
    case = open_case(floor.ann)
    attempt = dialer_attempt(case)

    with pytest.raises(DomainError) as refused:
        call_outcome_record(
            attempt=attempt,
            disposition=code("wrong_number"),
            right_party_contact=True,
            conversation=False,
            talk_seconds=-3,
            notes="",
            actor=None,
        )

    assert set(refused.value.errors) == {"right_party_contact", "talk_seconds"}
    assert not Phone.objects.get(pk=attempt.phone_id).uncallable
    assert ContactAttempt.objects.get(pk=attempt.pk).status == "reserved"


def test_a_call_reported_twice_is_refused_the_second_time_and_nothing_is_applied_again(floor):
    case = open_case(floor.ann)
    attempt = dialer_attempt(case)
    report = {
        "disposition": code("dispute"),
        "right_party_contact": True,
        "conversation": True,
        "talk_seconds": 60,
        "notes": "",
        "actor": None,
        "at": MORNING + dt.timedelta(minutes=2),
    }
    call_outcome_record(attempt=attempt, **report)

    with pytest.raises(DomainError) as again:
        call_outcome_record(attempt=attempt, **report)

    assert again.value.code == "attempt_not_reserved"
    assert AuditEntry.objects.filter(action="contact_preference.update").count() == 1


def test_a_retired_disposition_is_refused(floor):
    case = open_case(floor.ann)
    attempt = dialer_attempt(case)
    retired = code("busy")
    retired.is_active = False
    retired.save()

    with pytest.raises(DomainError) as refused:
        call_outcome_record(
            attempt=attempt,
            disposition=retired,
            right_party_contact=False,
            conversation=False,
            talk_seconds=0,
            notes="",
            actor=None,
        )

    assert "disposition" in refused.value.errors


def test_an_agent_cannot_call_a_number_of_another_borrower(floor):
    case = open_case(floor.ann)
    elsewhere = first_phone(open_case(floor.ann))

    with pytest.raises(DomainError) as refused:
        call_place(case=case, phone=elsewhere, actor=floor.ann.user, at=MORNING)

    assert "phone" in refused.value.errors
    assert not ContactAttempt.objects.exists()
