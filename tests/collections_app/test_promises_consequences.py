"""What a promise's outcome does to the agent's work: the queue order and the follow-up call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collections_app.models import Case
from collections_app.selectors.cases import agent_queue
from collections_app.services.attempts import AttemptOutcome, attempt_complete, attempt_reserve
from collections_app.services.priorities import cases_reprioritize
from collections_app.services.promise_matching import promises_settle
from scheduling.models import Callback
from scheduling.services.preferences import preference_update
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db

MADE, DUE, SETTLE = dt.date(2026, 3, 2), dt.date(2026, 3, 6), dt.date(2026, 3, 9)
NIGHT = dt.datetime(2026, 3, 9, 2, 30, tzinfo=dt.UTC)  # 21:30 the evening before in New York


@pytest.fixture
def ann(db: None):  # type: ignore[no-untyped-def]
    from scheduling.presets import presets_ensure

    presets_ensure()
    return make_agent(make_team("M1 Team", ["M1"]), "ann")


def queue_of(agent, at: dt.datetime = NIGHT) -> list[int]:  # type: ignore[no-untyped-def]
    return list(agent_queue(agent.user, at=at).values_list("pk", flat=True))


def test_a_broken_promise_lifts_the_case_to_the_top_of_the_queue(ann):
    big, bigger = make_open_cases([Decimal("5000.00"), Decimal("9000.00")], agent=ann)
    case = make_case(ann, overdue=Decimal("100.00"), dpd=5)
    promise(case, (DUE, "50.00"), today=MADE)
    assert queue_of(ann) == [bigger.pk, big.pk, case.pk]

    promises_settle(today=SETTLE, now=NIGHT)

    assert queue_of(ann)[0] == case.pk
    assert Case.objects.get(pk=case.pk).priority == 300


def test_a_kept_promise_does_not_lift_the_case(ann):
    other = make_open_cases([Decimal("5000.00")], agent=ann)[0]
    case = make_case(ann, overdue=Decimal("100.00"), dpd=5)
    promise(case, (DUE, "50.00"), today=MADE)
    pay(case, "50.00", on=DUE)

    promises_settle(today=SETTLE, now=NIGHT)

    assert queue_of(ann) == [other.pk, case.pk]


def test_a_broken_promise_schedules_a_follow_up_for_the_agent_at_the_next_allowed_time(ann):
    case = make_case(ann)
    taken = promise(case, (DUE, "100.00"), today=MADE)

    promises_settle(today=SETTLE, now=NIGHT)

    follow_up = Callback.objects.get(case=case)
    assert (follow_up.reason, follow_up.agent, follow_up.promise_id, follow_up.status) == (
        "broken_promise",
        ann,
        taken.pk,
        "pending",
    )
    # 21:30 in New York is outside Reg F's 08:00-21:00: the next allowed time is 08:00 there.
    assert follow_up.due_at == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)
    assert Case.objects.get(pk=case.pk).next_action_at == follow_up.due_at


def test_no_follow_up_is_scheduled_for_a_borrower_who_asked_us_to_stop(ann):
    case = make_case(ann)
    promise(case, (DUE, "100.00"), today=MADE)
    preference_update(borrower=case.account.borrower, changes={"cease_communication": True})

    result = promises_settle(today=SETTLE, now=NIGHT)

    assert (result.broken, result.follow_ups) == (1, 0)
    assert not Callback.objects.exists()


def test_a_promise_due_today_ranks_above_a_callback_due_and_below_a_broken_promise(ann):
    due_today = make_case(ann)
    promise(due_today, (SETTLE, "100.00"), today=MADE)
    broken = make_case(ann)
    promise(broken, (DUE, "100.00"), today=MADE)
    with_callback = make_case(ann)
    Callback.objects.create(case=with_callback, agent=ann, due_at=NIGHT + dt.timedelta(hours=10), reason="agent")
    plain = make_case(ann, overdue=Decimal("9999.00"), dpd=90)

    promises_settle(today=SETTLE, now=NIGHT)

    assert queue_of(ann) == [broken.pk, due_today.pk, with_callback.pk, plain.pk]


def test_working_the_case_after_the_broken_promise_ends_its_top_priority(ann):
    case = make_case(ann)
    promise(case, (DUE, "100.00"), today=MADE)
    promises_settle(today=SETTLE, now=NIGHT)
    at = dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)
    _decision, attempt = attempt_reserve(phone=case.account.borrower.phones.get(), at=at, account=case.account, case=case)
    assert attempt is not None
    attempt_complete(attempt=attempt, outcome=AttemptOutcome(answered_at=at, ended_at=at, conversation=True, right_party_contact=True))

    cases_reprioritize(today=SETTLE, case_ids=[case.pk])

    # The follow-up callback is still pending (due today): the case drops to the callback tier.
    assert Case.objects.get(pk=case.pk).priority == 100


def test_a_missed_promise_stops_lifting_the_case_after_a_week(ann):
    case = make_case(ann)
    promise(case, (DUE, "100.00"), today=MADE)
    promises_settle(today=SETTLE, now=NIGHT)
    Callback.objects.filter(case=case).update(status="done")

    cases_reprioritize(today=SETTLE + dt.timedelta(days=7))

    assert Case.objects.get(pk=case.pk).priority == 0


def test_a_priority_set_by_hand_is_kept_when_no_tier_is_higher(ann):
    case = make_case(ann)
    Case.objects.filter(pk=case.pk).update(priority=50)

    cases_reprioritize(today=SETTLE)

    assert Case.objects.get(pk=case.pk).priority == 50
