"""Callbacks: allowed by the compliance engine when made, checked again when due, at the top of the queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from collections_app.models import Case
from collections_app.selectors.cases import agent_queue
from collections_app.services.attempts import AttemptOutcome, attempt_complete, attempt_reserve
from collections_app.services.callbacks import (
    callbacks_due_check,
    case_callback_close,
    case_callback_schedule,
)
from collections_app.tasks import callbacks_due_task
from config.errors import DomainError
from config.pii import phone_index
from scheduling.models import Callback
from scheduling.services.preferences import preference_update
from tests.collections_app.promise_book import make_case
from tests.factories import PhoneFactory, make_agent, make_open_cases, make_team

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=NY)  # Monday 10:00 in New York


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch, presets: None) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))


@pytest.fixture
def ann():  # type: ignore[no-untyped-def]
    return make_agent(make_team("M1 Team", ["M1"]), "ann")


@pytest.fixture
def case(ann) -> Case:  # type: ignore[no-untyped-def]
    return make_case(ann)


def test_a_callback_inside_the_borrowers_window_is_scheduled_for_the_cases_agent(case, ann):
    tuesday_evening = dt.datetime(2026, 3, 3, 18, 0, tzinfo=NY)

    callback = case_callback_schedule(case=case, due_at=tuesday_evening, actor=ann.user, note="after work")

    assert (callback.agent, callback.status, callback.reason, callback.due_at) == (ann, "pending", "agent", tuesday_evening)
    assert Case.objects.get(pk=case.pk).next_action_at == tuesday_evening
    assert AuditEntry.objects.filter(action="callback.schedule", actor=ann.user).count() == 1


def test_a_callback_outside_the_borrowers_window_is_refused_with_its_next_allowed_time(case, ann):
    too_late = dt.datetime(2026, 3, 3, 21, 30, tzinfo=NY)

    with pytest.raises(DomainError) as refused:
        case_callback_schedule(case=case, due_at=too_late, actor=ann.user)

    error = refused.value
    assert error.extra["next_allowed_at"] == "2026-03-04T13:00:00Z"
    assert error.message.endswith("The next allowed time is 2026-03-04 08:00 (America/New_York).")
    assert error.message.startswith("A call back at 2026-03-03 21:30 (America/New_York) is not allowed: Outside")
    assert [r["code"] for r in error.extra["reasons"]] == ["outside_window"]
    assert not Callback.objects.exists()


def test_a_callback_honours_every_time_zone_the_phones_imply(ann):
    case = make_case(ann)
    PhoneFactory(borrower=case.account.borrower, number="+13105550100", timezones="America/Los_Angeles")
    early = dt.datetime(2026, 3, 3, 10, 30, tzinfo=NY)  # 07:30 in Los Angeles

    callback = case_callback_schedule(case=case, due_at=early, actor=ann.user)  # any one allowed number will do
    with pytest.raises(DomainError) as refused:
        case_callback_schedule(case=case, due_at=early, phone=case.account.borrower.phones.get(number_index=phone_index("+13105550100")))

    assert callback.phone is None
    assert refused.value.extra["next_allowed_at"] == "2026-03-03T16:00:00Z"  # 08:00 in Los Angeles


def test_a_callback_in_the_past_or_for_a_closed_case_is_refused(case, ann):
    with pytest.raises(DomainError) as past:
        case_callback_schedule(case=case, due_at=NOW - dt.timedelta(hours=1), actor=ann.user)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()
    with pytest.raises(DomainError) as closed:
        case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=1), actor=ann.user)

    assert past.value.errors["due_at"] == ["The time is in the past."]
    assert closed.value.errors["case"] == ["The case is closed."]


def test_a_callback_for_a_borrower_who_asked_us_to_stop_has_no_next_time(case, ann):
    preference_update(borrower=case.account.borrower, changes={"cease_communication": True})

    with pytest.raises(DomainError) as refused:
        case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=2), actor=ann.user)

    assert refused.value.extra["next_allowed_at"] is None
    assert "no later time is either" in refused.value.message


def test_a_callback_is_checked_again_when_due_and_blocked_after_a_cease_request(case, ann):
    callback = case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=2), actor=ann.user)
    preference_update(borrower=case.account.borrower, changes={"cease_communication": True})

    result = callbacks_due_check(now=NOW + dt.timedelta(hours=2, minutes=3))

    callback.refresh_from_db()
    assert (result.checked, result.blocked) == (1, 1)
    assert callback.status == "blocked"
    assert [r["code"] for r in callback.check_reasons] == ["cease"]
    assert Case.objects.get(pk=case.pk).next_action_at is None


def test_a_due_callback_still_allowed_stays_pending_and_is_checked_once(case, ann):
    case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=2), actor=ann.user)

    first = callbacks_due_check(now=NOW + dt.timedelta(hours=2, minutes=1))
    second = callbacks_due_check(now=NOW + dt.timedelta(hours=2, minutes=6))

    assert (first.checked, first.blocked, second.checked, second.reprioritized) == (1, 0, 0, 0)
    assert Callback.objects.get().status == "pending"


def test_a_call_on_the_case_answers_its_callback(case, ann):
    due = NOW + dt.timedelta(hours=2)
    case_callback_schedule(case=case, due_at=due, actor=ann.user)
    at = due - dt.timedelta(minutes=10)
    _decision, attempt = attempt_reserve(phone=case.account.borrower.phones.get(), at=at, account=case.account, case=case)
    assert attempt is not None
    attempt_complete(attempt=attempt, outcome=AttemptOutcome(answered_at=at, ended_at=at, conversation=True, right_party_contact=True))

    result = callbacks_due_check(now=due)

    assert result.answered == 1
    assert Callback.objects.get().status == "done"


def test_a_callback_left_pending_a_day_past_its_time_is_missed(case, ann):
    case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=1), actor=ann.user)

    result = callbacks_due_task.delay((NOW + dt.timedelta(hours=26)).isoformat()).get()

    assert result["missed"] == 1
    assert Callback.objects.get().status == "missed"
    assert Case.objects.get(pk=case.pk).priority == 0


def test_a_callback_due_today_puts_the_case_at_the_top_of_the_agents_queue(case, ann):
    bigger = make_open_cases([Decimal("9000.00")], agent=ann)[0]
    Case.objects.filter(pk=bigger.pk).update(dpd=80)
    assert list(agent_queue(ann.user, at=NOW).values_list("pk", flat=True)) == [bigger.pk, case.pk]

    case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=3), actor=ann.user)

    assert list(agent_queue(ann.user, at=NOW).values_list("pk", flat=True)) == [case.pk, bigger.pk]
    assert Case.objects.get(pk=case.pk).priority == 100


def test_closing_a_callback_frees_the_case_and_cannot_happen_twice(case, ann):
    callback = case_callback_schedule(case=case, due_at=NOW + dt.timedelta(hours=3), actor=ann.user)

    case_callback_close(callback=callback, status="cancelled", actor=ann.user)
    with pytest.raises(DomainError):
        case_callback_close(callback=callback, status="done", actor=ann.user)

    refreshed = Case.objects.get(pk=case.pk)
    assert (refreshed.priority, refreshed.next_action_at) == (0, None)
    assert Callback.objects.get().closed_by == ann.user
