"""Agents calling from the account screen: the engine's refusal, the reserved call, its outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEntry, PiiReveal
from collections_app.models import ContactAttempt
from scheduling.models import ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    NIGHT,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)

pytestmark = pytest.mark.django_db


def place(client, case, phone):  # type: ignore[no-untyped-def]
    return client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk}, HTTP_HX_REQUEST="true")


def test_a_call_outside_the_window_is_refused_with_the_reason_and_nothing_is_recorded(floor, at):
    # given a New York borrower at 22:30 their time
    case = open_case(floor.ann)
    phone = first_phone(case)
    at(NIGHT)

    # when the agent presses Call
    response = place(login(floor.ann.user), case, phone)

    # then the refusal says why and from when, the number stays hidden and nothing is stored
    text = response.content.decode()
    assert response.status_code == 200
    assert "Call refused" in text
    assert "Outside the contact window in America/New_York" in text
    assert "Wed 2026-04-08 08:00 EDT" in text
    assert phone.number not in text
    assert not ContactAttempt.objects.exists()
    assert not PiiReveal.objects.exists()


def test_an_allowed_call_reveals_the_number_records_the_reveal_and_reserves_the_attempt(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)

    response = place(login(floor.ann.user), case, phone)

    text = response.content.decode()
    assert phone.number in text
    assert "Save outcome" in text
    attempt = ContactAttempt.objects.get()
    assert (
        attempt.status,
        attempt.source,
        attempt.agent,
        attempt.case_id,
        attempt.phone_id,
        attempt.placed_at,
    ) == ("reserved", "agent", floor.ann.user, case.pk, phone.pk, MORNING)
    assert attempt.decision["allowed"] is True
    reveal = PiiReveal.objects.get()
    assert (reveal.user, reveal.field, reveal.reason) == (floor.ann.user, f"phone:{phone.pk}", "call")
    assert response["HX-Trigger"] == "contact-changed"


def test_the_logged_outcome_completes_the_call_and_shows_in_the_contact_history(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    place(client, case, first_phone(case))
    attempt = ContactAttempt.objects.get()
    at(MORNING + dt.timedelta(minutes=4))

    logged = client.post(
        f"/cases/{case.pk}/calls/{attempt.pk}/outcome/",
        outcome("refused", talk_time="2:05", notes="Says the payment went out on Friday."),
        HTTP_HX_REQUEST="true",
    )
    screen = client.get(f"/cases/{case.pk}/")

    assert "Call logged" in logged.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.disposition.code, attempt.right_party_contact, attempt.conversation) == (
        "completed",
        "refused",
        True,
        True,
    )
    assert attempt.talk_seconds == 125
    assert attempt.ended_at == MORNING + dt.timedelta(minutes=4)
    assert attempt.answered_at == attempt.ended_at - dt.timedelta(seconds=125)
    row = screen.context["history"][0]
    assert (row.attempt.pk, row.disposition, row.talk) == (attempt.pk, "Refused to pay", "2:05")
    assert "Says the payment went out on Friday." in screen.content.decode()


def test_talk_time_is_taken_as_seconds_or_minutes_and_seconds(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    place(client, case, first_phone(case))
    attempt = ContactAttempt.objects.get()

    client.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("refused", talk_time="95"))

    attempt.refresh_from_db()
    assert attempt.talk_seconds == 95


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"disposition": ""}, "disposition", "Choose how the call ended."),
        ({"talk_time": "two minutes"}, "talk_time", "Enter seconds (95) or minutes and seconds (1:35)."),
        ({"talk_time": "1:75"}, "talk_time", "Enter seconds (95) or minutes and seconds (1:35)."),
        ({"right_party_contact": None}, "right_party_contact", "tick right-party contact"),
        ({"conversation": None}, "conversation", "tick conversation"),
    ],
)
def test_an_inconsistent_outcome_is_shown_as_an_error_and_writes_nothing(floor, at, fields, field, message):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    place(client, case, first_phone(case))
    attempt = ContactAttempt.objects.get()
    audits = AuditEntry.objects.count()

    response = client.post(
        f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("dispute", **fields), HTTP_HX_REQUEST="true"
    )

    assert message in response.content.decode()
    assert field in response.context["call"].form.errors
    attempt.refresh_from_db()
    assert attempt.status == "reserved"
    assert AuditEntry.objects.count() == audits
    assert not ContactPreference.objects.filter(dispute_hold=True).exists()


def test_a_no_contact_outcome_cannot_claim_a_conversation(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    place(client, case, first_phone(case))
    attempt = ContactAttempt.objects.get()

    response = client.post(
        f"/cases/{case.pk}/calls/{attempt.pk}/outcome/",
        outcome("no_answer", right_party_contact="on", conversation="on"),
    )

    errors = response.context["call"].form.errors
    assert set(errors) == {"right_party_contact", "conversation"}
    attempt.refresh_from_db()
    assert attempt.status == "reserved"


def test_not_dialed_releases_the_reservation_so_it_no_longer_counts(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    place(client, case, first_phone(case))
    attempt = ContactAttempt.objects.get()
    left_while_reserved = (
        client.get(f"/cases/{case.pk}/compliance/").context["panel"].rows[0].decision.attempts_left_week
    )

    response = client.post(f"/cases/{case.pk}/calls/{attempt.pk}/not-dialed/", HTTP_HX_REQUEST="true")

    assert "Marked not dialed" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "not_dialed"
    panel = client.get(f"/cases/{case.pk}/compliance/").context["panel"]
    assert (left_while_reserved, panel.rows[0].decision.attempts_left_week) == (6, 7)


def test_a_second_call_is_refused_while_the_first_is_open(floor, at):
    case = open_case(floor.ann, phones=2)
    client = login(floor.ann.user)
    first, second = case.account.borrower.phones.order_by("pk")
    place(client, case, first)

    response = place(client, case, second)

    assert "Finish the open call first" in response.content.decode()
    assert second.number not in response.content.decode()
    assert ContactAttempt.objects.count() == 1


def test_reopening_the_screen_during_a_call_offers_its_outcome_form_without_the_number(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)
    place(client, case, phone)

    screen = client.get(f"/cases/{case.pk}/")

    assert screen.context["call"].state == "live"
    assert "Save outcome" in screen.content.decode()
    assert phone.number not in screen.content.decode()


def test_without_htmx_the_call_answers_the_whole_account_screen(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)

    response = login(floor.ann.user).post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})

    assert b"<html" in response.content
    assert phone.number in response.content.decode()
