"""What a call's disposition sets in motion, in the same transaction as the outcome, each audited."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEntry, Borrower, Phone
from collections_app.models import ContactAttempt, DncEntry
from config.pii import phone_index
from scheduling.engine import evaluate
from scheduling.models import ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    add_phone,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)

pytestmark = pytest.mark.django_db
LATER = MORNING + dt.timedelta(hours=2)


def log_call(client, case, phone, disposition, **fields):  # type: ignore[no-untyped-def]
    """Place a call to ``phone`` and log it with ``disposition``; answers the outcome response."""
    placed = client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk}, HTTP_HX_REQUEST="true")
    assert phone.number in placed.content.decode(), placed.content.decode()
    attempt = ContactAttempt.objects.filter(phone=phone).latest("pk")
    return client.post(
        f"/cases/{case.pk}/calls/{attempt.pk}/outcome/",
        outcome(disposition, **fields),
        HTTP_HX_REQUEST="true",
    )


def call_again(client, case, phone):  # type: ignore[no-untyped-def]
    return client.post(
        f"/cases/{case.pk}/calls/", {"phone": phone.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()


def test_a_wrong_number_is_marked_uncallable_and_the_next_call_to_it_is_refused(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)

    logged = log_call(client, case, phone, "wrong_number")
    at(LATER)
    refused = call_again(client, case, phone)

    assert "will not be offered again" in logged.content.decode()
    assert Phone.objects.get(pk=phone.pk).uncallable
    entry = AuditEntry.objects.get(action="phone.uncallable")
    assert (entry.actor, entry.object_id, entry.after["uncallable"]) == (floor.ann.user, str(phone.pk), True)
    assert phone.number not in str(entry.after) + entry.reason
    assert "Call refused" in refused
    assert "The number is marked wrong or disconnected." in refused
    assert ContactAttempt.objects.count() == 1


def test_a_do_not_call_request_puts_the_number_on_the_list_and_blocks_it(floor, at):
    case = open_case(floor.ann, phones=2)
    dialed, other = case.account.borrower.phones.order_by("pk")
    client = login(floor.ann.user)

    log_call(client, case, dialed, "dnc_request")
    at(LATER + dt.timedelta(days=8))  # past the conversation's cool-down
    refused = call_again(client, case, dialed)

    assert Phone.objects.get(pk=dialed.pk).do_not_call
    assert not Phone.objects.get(pk=other.pk).do_not_call
    assert AuditEntry.objects.filter(action="phone.do_not_call", object_id=str(dialed.pk)).count() == 1
    assert "The number is on the do-not-call list." in refused
    # The dialers' do-not-call feed carries it too.
    assert DncEntry.objects.filter(type="do_not_call", number_index=phone_index(dialed.number), source="disposition").exists()


def test_a_cease_request_blocks_every_number_and_every_channel(floor, at):
    case = open_case(floor.ann, phones=2)
    dialed, other = case.account.borrower.phones.order_by("pk")
    client = login(floor.ann.user)

    log_call(client, case, dialed, "cease_request")
    at(LATER + dt.timedelta(days=8))
    refused = call_again(client, case, other)

    preference = ContactPreference.objects.get(borrower=case.account.borrower)
    assert preference.cease_communication
    assert preference.cease_requested_at == MORNING
    assert "The borrower asked us to stop all communication." in refused
    for channel, phone in (("call", other), ("sms", other), ("email", None)):
        decision = evaluate(
            phone=phone, channel=channel, at=LATER + dt.timedelta(days=8), account=case.account
        )
        assert "cease" in decision.codes, channel
    assert AuditEntry.objects.filter(action="contact_preference.update").count() == 1
    assert DncEntry.objects.filter(type="cease", borrower=case.account.borrower, source="disposition").exists()


def test_a_dispute_opens_a_hold_and_the_debt_is_not_called_until_verified(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)

    logged = log_call(client, case, phone, "dispute")
    at(LATER + dt.timedelta(days=30))
    refused = call_again(client, case, phone)

    assert "A dispute hold is open" in logged.content.decode()
    assert ContactPreference.objects.get(borrower=case.account.borrower).dispute_hold
    assert "The debt is disputed" in refused
    entry = AuditEntry.objects.get(action="contact_preference.update")
    assert entry.after["dispute_hold"] is True
    assert "dispute" in entry.reason


@pytest.mark.parametrize(
    ("disposition", "flag", "reason"),
    [
        ("deceased", "deceased", "The borrower is deceased."),
        ("bankruptcy", "bankruptcy", "The borrower is in bankruptcy."),
        ("attorney", "attorney_represented", "represented by an attorney"),
    ],
)
def test_deceased_bankruptcy_and_attorney_outcomes_flag_the_borrower(floor, at, disposition, flag, reason):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)

    log_call(client, case, phone, disposition)
    at(LATER + dt.timedelta(days=8))
    refused = call_again(client, case, phone)

    assert getattr(Borrower.objects.get(pk=case.account.borrower_id), flag)
    entry = AuditEntry.objects.get(action="borrower.flags")
    assert (entry.before, entry.after[flag]) == ({flag: False}, True)
    assert reason in refused


def test_a_callback_request_is_recorded_and_the_callback_slot_is_offered(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    logged = log_call(client, case, first_phone(case), "callback").content.decode()

    attempt = ContactAttempt.objects.get()
    entry = AuditEntry.objects.get(action="call.callback_requested")
    assert (entry.object_id, entry.after["case"]) == (str(attempt.pk), case.pk)
    assert 'data-follow-up="callback"' in logged
    assert 'data-follow-up="promise"' not in logged


def test_a_promise_outcome_offers_the_promise_slot(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    logged = log_call(client, case, first_phone(case), "rpc_promise").content.decode()

    assert 'data-follow-up="promise"' in logged
    assert 'data-follow-up="callback"' not in logged


def test_a_no_answer_changes_nothing_but_the_attempt(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)
    audits = AuditEntry.objects.count()

    log_call(client, case, phone, "no_answer")

    attempt = ContactAttempt.objects.get()
    assert (attempt.status, attempt.answered_at, attempt.conversation) == ("completed", None, False)
    assert AuditEntry.objects.count() == audits + 1  # the number's reveal only
    assert not Phone.objects.filter(uncallable=True).exists()
    assert not ContactPreference.objects.exists()


def test_a_work_number_is_refused_after_the_borrower_asks_not_to_be_called_at_work(floor, at):
    case = open_case(floor.ann)
    work = add_phone(case, type=Phone.Type.WORK)
    client = login(floor.ann.user)

    client.post(f"/cases/{case.pk}/requests/", {"kind": "no_work_calls", "note": "asked on the phone"})
    refused = call_again(client, case, work)
    mobile = call_again(client, case, first_phone(case))

    assert "The borrower asked not to be called at work." in refused
    assert first_phone(case).number in mobile
