"""Recording a promise: the policy's limits, one open promise per case, the follow-up call and its consent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from collections_app.models import Case, ContactAttempt, PromisePart, PromisePolicy, PromiseToPay
from collections_app.services.attempts import AttemptOutcome, attempt_complete, attempt_reserve
from collections_app.services.promises import promise_cancel, promise_create
from config.errors import DomainError
from scheduling.models import Callback, ContactPreference
from tests.collections_app.promise_book import make_case, promise
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=NY)  # a Monday morning in New York
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch, db: None) -> None:
    from collections_app.services.promise_policy import promise_policies_ensure
    from scheduling.presets import presets_ensure

    presets_ensure()
    promise_policies_ensure()  # the migration's rows, in case a browser test flushed them
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))


@pytest.fixture
def ann():  # type: ignore[no-untyped-def]
    return make_agent(make_team("Collections", ["M1", "M2", "M3"]), "ann")


def refusal(case: Case, *parts: tuple[dt.date, str], **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        promise(case, *parts, today=TODAY, **kwargs)
    return caught.value


def conversation(case: Case) -> ContactAttempt:
    """The agent's call that reached the borrower this morning."""
    decision, attempt = attempt_reserve(phone=case.account.borrower.phones.get(), at=NOW, account=case.account, case=case)
    assert attempt is not None, decision.codes
    return attempt_complete(
        attempt=attempt,
        outcome=AttemptOutcome(
            answered_at=NOW,
            ended_at=NOW + dt.timedelta(minutes=4),
            talk_seconds=240,
            conversation=True,
            right_party_contact=True,
        ),
    )  # fmt: skip


def test_a_promise_within_the_limits_is_recorded_with_its_parts_and_audited(ann):
    case = make_case(ann)

    taken = promise(case, (TODAY + dt.timedelta(days=14), "50.00"), today=TODAY, actor=ann.user)

    assert (taken.status, taken.amount, taken.agent, taken.made_on) == ("open", Decimal("50.00"), ann, TODAY)
    assert (taken.grace_days, taken.deadline) == (2, TODAY + dt.timedelta(days=16))
    assert PromisePart.objects.filter(promise=taken).count() == 1
    entry = AuditEntry.objects.get(action="promise.create")
    assert (entry.actor, entry.after["amount"]) == (ann.user, "50.00")


@pytest.mark.parametrize(("bucket", "days"), [("M1", 14), ("M2", 10), ("M3", 7)])
def test_a_promise_beyond_the_policys_latest_date_is_refused_with_the_reason(ann, bucket, days):
    case = make_case(ann, bucket=bucket)
    latest = TODAY + dt.timedelta(days=days)

    error = refusal(case, (latest + dt.timedelta(days=1), "100.00"))

    assert error.errors["parts[0].date"] == [
        f"In {bucket} the date may be at most {days} days ahead: {latest.isoformat()} at the latest."
    ]
    assert not PromiseToPay.objects.exists()
    assert promise(case, (latest, "100.00"), today=TODAY).final_date == latest


def test_the_policy_is_data_a_changed_limit_applies_to_the_next_promise(ann):
    case = make_case(ann)
    PromisePolicy.objects.filter(bucket="M1").update(max_days_ahead=20, grace_days=5)

    taken = promise(case, (TODAY + dt.timedelta(days=20), "100.00"), today=TODAY)

    assert (taken.grace_days, taken.deadline) == (5, TODAY + dt.timedelta(days=25))


def test_a_promise_below_the_minimum_share_of_the_overdue_amount_is_refused(ann):
    case = make_case(ann, overdue=Decimal("1234.50"))

    error = refusal(case, (TODAY + dt.timedelta(days=3), "123.44"))

    assert error.errors["amount"] == [
        "At least 123.45 must be promised (10% of the overdue 1,234.50); 123.44 is too little."
    ]
    assert promise(case, (TODAY + dt.timedelta(days=3), "123.45"), today=TODAY).amount == Decimal("123.45")


def test_a_promise_above_what_the_case_owes_is_refused(ann):
    # given a case on a schedule of 6 x 220.00 still unpaid, 500.00 of it overdue
    case = make_case(ann, overdue=Decimal("500.00"))

    error = refusal(case, (TODAY + dt.timedelta(days=3), "999999999.00"))

    assert error.errors == {
        "amount": ["At most what the case owes, 1,320.00, may be promised; 999,999,999.00 is more."]
    }
    assert not PromiseToPay.objects.exists()
    assert promise(case, (TODAY + dt.timedelta(days=3), "1320.00"), today=TODAY).amount == Decimal("1320.00")


def test_a_plan_above_what_the_case_owes_is_refused_on_its_total(ann):
    case = make_case(ann)

    error = refusal(case, (TODAY + dt.timedelta(days=3), "700.00"), (TODAY + dt.timedelta(days=17), "620.01"))

    assert error.errors["amount"] == ["At most what the case owes, 1,320.00, may be promised; 1,320.01 is more."]


def test_a_plan_counts_its_total_toward_the_minimum(ann):
    case = make_case(ann, overdue=Decimal("1000.00"))

    taken = promise(case, (TODAY + dt.timedelta(days=3), "60.00"), (TODAY + dt.timedelta(days=17), "40.00"), today=TODAY)

    assert (taken.amount, taken.first_date, taken.final_date) == (
        Decimal("100.00"),
        TODAY + dt.timedelta(days=3),
        TODAY + dt.timedelta(days=17),
    )


def test_a_plan_has_at_most_the_policys_parts_and_ends_within_its_horizon(ann):
    case = make_case(ann)
    seven = [(TODAY + dt.timedelta(days=d), "20.00") for d in range(1, 8)]

    too_many = refusal(case, *seven)
    too_long = refusal(case, (TODAY + dt.timedelta(days=1), "50.00"), (TODAY + dt.timedelta(days=31), "50.00"))

    assert too_many.errors["parts"] == ["A plan has at most 6 parts."]
    assert too_long.errors["parts[1].date"] == [
        f"A plan ends at most 30 days ahead: {(TODAY + dt.timedelta(days=30)).isoformat()} at the latest."
    ]


def test_past_dates_repeated_dates_and_bad_amounts_are_each_named(ann):
    case = make_case(ann)

    error = refusal(
        case,
        (TODAY - dt.timedelta(days=1), "50.00"),
        (TODAY + dt.timedelta(days=2), "0.00"),
        (TODAY + dt.timedelta(days=2), "10.005"),
    )

    assert error.errors["parts[0].date"] == ["The date is in the past."]
    assert error.errors["parts[1].amount"] == ["The amount must be greater than zero."]
    assert error.errors["parts[2].date"] == ["Two parts fall on the same date."]
    assert error.errors["parts[2].amount"] == ["The amount has at most two decimals."]


def test_a_case_has_at_most_one_open_promise(ann):
    case = make_case(ann)
    first = promise(case, (TODAY + dt.timedelta(days=3), "100.00"), today=TODAY)

    error = refusal(case, (TODAY + dt.timedelta(days=5), "100.00"))

    assert error.code == "conflict"
    assert error.errors["case"] == ["The case has an open promise already: cancel it before recording a new one."]
    promise_cancel(promise=first, actor=ann.user, reason="renegotiated")
    assert promise(case, (TODAY + dt.timedelta(days=5), "100.00"), today=TODAY).status == "open"


def test_a_promise_on_a_closed_case_is_refused(ann):
    case = make_case(ann)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()

    assert refusal(case, (TODAY + dt.timedelta(days=3), "100.00")).errors["case"] == [
        "The case is closed: a promise needs an open case."
    ]


def test_a_promise_needs_a_call_that_reached_the_borrower(ann):
    case = make_case(ann)
    decision, unanswered = attempt_reserve(phone=case.account.borrower.phones.get(), at=NOW, account=case.account)
    assert unanswered is not None
    attempt_complete(attempt=unanswered, outcome=AttemptOutcome(ended_at=NOW))

    error = refusal(case, (TODAY + dt.timedelta(days=3), "100.00"), attempt=unanswered)

    assert error.errors["attempt"] == ["A promise needs a right-party contact: the call did not reach the borrower."]


def test_a_promise_with_a_follow_up_call_records_direct_consent_and_schedules_the_callback(ann):
    case = make_case(ann)
    call = conversation(case)
    follow_up = dt.datetime(2026, 3, 4, 18, 0, tzinfo=NY)  # inside the 7-day cool-down of this call

    taken = promise(case, (TODAY + dt.timedelta(days=5), "100.00"), today=TODAY, attempt=call, follow_up_at=follow_up)

    preference = ContactPreference.objects.get(borrower=case.account.borrower)
    assert preference.direct_consent_at == NOW
    callback = Callback.objects.get(case=case)
    assert (callback.due_at, callback.reason, callback.promise, callback.agent) == (follow_up, "promise", taken, ann)
    case.refresh_from_db()
    assert case.next_action_at == follow_up


def test_a_follow_up_call_outside_the_borrowers_window_is_refused_and_nothing_is_written(ann):
    case = make_case(ann)
    call = conversation(case)
    late = dt.datetime(2026, 3, 4, 21, 30, tzinfo=NY)

    error = refusal(case, (TODAY + dt.timedelta(days=5), "100.00"), attempt=call, follow_up_at=late)

    assert error.extra["next_allowed_at"] == "2026-03-05T13:00:00Z"  # 08:00 in New York
    assert "The next allowed time is 2026-03-05 08:00 (America/New_York)." in error.message
    assert "follow_up_at" in error.errors
    assert not PromiseToPay.objects.exists()
    assert not Callback.objects.exists()
    assert not ContactPreference.objects.filter(direct_consent_at__isnull=False).exists()


def test_cancelling_needs_a_reason_and_only_an_open_promise_can_be_cancelled(ann):
    case = make_case(ann)
    taken = promise(case, (TODAY + dt.timedelta(days=3), "100.00"), today=TODAY)

    with pytest.raises(DomainError):
        promise_cancel(promise=taken, actor=ann.user, reason=" ")
    cancelled = promise_cancel(promise=taken, actor=ann.user, reason="recorded by mistake")
    with pytest.raises(DomainError):
        promise_cancel(promise=cancelled, actor=ann.user, reason="again")

    assert cancelled.status == "cancelled"
    assert list(cancelled.parts.values_list("status", flat=True)) == ["cancelled"]


def test_the_dialer_records_a_promise_on_its_call_without_a_user(ann):
    case = make_case(ann)
    call = conversation(case)

    taken = promise_create(
        case=case, parts=[(TODAY + dt.timedelta(days=2), Decimal("75.00"))], source="dialer", attempt=call, today=TODAY
    )

    assert (taken.source, taken.created_by, taken.agent, taken.attempt) == ("dialer", None, ann, call)
    assert AuditEntry.objects.get(action="promise.create").actor_label == "dialer"


def test_a_dialers_promise_without_the_call_it_was_made_on_is_refused(ann):
    case = make_case(ann)

    error = refusal(case, (TODAY + dt.timedelta(days=2), "75.00"), source="dialer")

    assert error.errors == {"attempt": ["A dialer's promise needs the right-party call it was made on."]}
    assert not PromiseToPay.objects.exists()
