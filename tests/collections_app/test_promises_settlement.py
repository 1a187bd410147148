"""Promises settled from the payments that actually arrive: kept, partially kept, broken, plans, reversals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collections_app.models import Case, PromisePart, PromiseToPay
from collections_app.services.book import payment_reverse_crediting
from collections_app.services.promise_matching import promises_settle
from collections_app.tasks import promises_settle_task
from scheduling.models import Callback
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db

MADE = dt.date(2026, 3, 2)  # a Monday
DUE = dt.date(2026, 3, 6)  # grace 2 days: payments count until 8 March; settled from 9 March
SETTLE = dt.date(2026, 3, 9)
NIGHT = dt.datetime(2026, 3, 9, 2, 30, tzinfo=dt.UTC)
Status = PromiseToPay.Status


@pytest.fixture
def case(presets: None) -> Case:
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    return make_case(ann)


@pytest.fixture
def presets(db: None) -> None:
    from scheduling.presets import presets_ensure

    presets_ensure()


def settled(pk: int) -> PromiseToPay:
    return PromiseToPay.objects.get(pk=pk)


def part_statuses(pk: int) -> list[tuple[str, Decimal]]:
    return list(PromisePart.objects.filter(promise_id=pk).order_by("seq").values_list("status", "received_amount"))


def test_a_promise_paid_in_full_before_its_date_is_kept(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "100.00", on=dt.date(2026, 3, 4))

    result = promises_settle(today=SETTLE, now=NIGHT)

    kept = settled(taken.pk)
    assert (kept.status, kept.received_amount, kept.settled_on) == (Status.KEPT, Decimal("100.00"), SETTLE)
    assert (result.kept, result.broken, result.partially_kept) == (1, 0, 0)


def test_a_payment_posted_counts_toward_the_open_promise_at_once(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)

    pay(case, "60.00", on=dt.date(2026, 3, 3))

    still_open = settled(taken.pk)
    assert (still_open.status, still_open.received_amount) == (Status.OPEN, Decimal("60.00"))


def test_a_payment_on_the_last_grace_day_keeps_the_promise(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "100.00", on=dt.date(2026, 3, 8), hour=23)  # 8 March 23:00 in New York: 9 March in UTC

    promises_settle(today=SETTLE, now=NIGHT)

    assert settled(taken.pk).status == Status.KEPT


def test_a_payment_a_day_after_the_grace_days_leaves_the_promise_broken(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "100.00", on=dt.date(2026, 3, 9))

    promises_settle(today=dt.date(2026, 3, 10), now=NIGHT + dt.timedelta(days=1))  # even when settled late

    broken = settled(taken.pk)
    assert (broken.status, broken.received_amount) == (Status.BROKEN, Decimal("0.00"))


def test_nothing_is_settled_before_the_grace_days_are_over(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)

    promises_settle(today=dt.date(2026, 3, 8), now=NIGHT)

    assert settled(taken.pk).status == Status.OPEN


def test_a_short_payment_partially_keeps_the_promise_with_the_amount_received(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "40.00", on=DUE)

    promises_settle(today=SETTLE, now=NIGHT)

    partial = settled(taken.pk)
    assert (partial.status, partial.received_amount) == (Status.PARTIALLY_KEPT, Decimal("40.00"))


def test_payments_before_the_promise_was_made_do_not_count(case):
    pay(case, "100.00", on=dt.date(2026, 3, 1))
    taken = promise(case, (DUE, "100.00"), today=MADE)

    promises_settle(today=SETTLE, now=NIGHT)

    assert settled(taken.pk).status == Status.BROKEN


def test_a_reversed_payment_un_applies_while_the_promise_is_open(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    payment = pay(case, "100.00", on=dt.date(2026, 3, 5))
    assert settled(taken.pk).received_amount == Decimal("100.00")

    payment_reverse_crediting(payment=payment, actor_label="core", reason="returned by the bank")

    assert settled(taken.pk).received_amount == Decimal("0.00")
    promises_settle(today=SETTLE, now=NIGHT)
    assert settled(taken.pk).status == Status.BROKEN


def test_a_settled_promise_does_not_change_when_its_payment_is_reversed_later(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    payment = pay(case, "100.00", on=dt.date(2026, 3, 5))
    promises_settle(today=SETTLE, now=NIGHT)

    payment_reverse_crediting(payment=payment, actor_label="core")
    promises_settle(today=SETTLE + dt.timedelta(days=1), now=NIGHT + dt.timedelta(days=1))

    kept = settled(taken.pk)
    assert (kept.status, kept.received_amount) == (Status.KEPT, Decimal("100.00"))


def test_more_than_promised_fills_the_promise_and_no_further(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "250.00", on=DUE)

    promises_settle(today=SETTLE, now=NIGHT)

    assert (settled(taken.pk).status, settled(taken.pk).received_amount) == (Status.KEPT, Decimal("100.00"))


def test_a_plan_paid_ahead_in_one_payment_is_kept_part_by_part(case):
    parts = ((dt.date(2026, 3, 4), "50.00"), (dt.date(2026, 3, 11), "50.00"), (dt.date(2026, 3, 18), "50.00"))
    taken = promise(case, *parts, today=MADE)
    pay(case, "150.00", on=dt.date(2026, 3, 3))

    promises_settle(today=dt.date(2026, 3, 7), now=NIGHT)
    assert settled(taken.pk).status == Status.OPEN  # the first part is met; the plan runs on
    assert part_statuses(taken.pk)[0] == (Status.KEPT, Decimal("50.00"))

    promises_settle(today=dt.date(2026, 3, 21), now=NIGHT)

    kept = settled(taken.pk)
    assert (kept.status, kept.received_amount, kept.settled_on) == (Status.KEPT, Decimal("150.00"), dt.date(2026, 3, 21))
    assert part_statuses(taken.pk) == [(Status.KEPT, Decimal("50.00"))] * 3


def test_a_plan_breaks_at_its_first_missed_part_and_cancels_the_rest(case):
    parts = ((dt.date(2026, 3, 4), "50.00"), (dt.date(2026, 3, 11), "50.00"), (dt.date(2026, 3, 18), "50.00"))
    taken = promise(case, *parts, today=MADE)
    pay(case, "50.00", on=dt.date(2026, 3, 4))
    pay(case, "20.00", on=dt.date(2026, 3, 12))

    promises_settle(today=dt.date(2026, 3, 14), now=NIGHT)

    plan = settled(taken.pk)
    assert (plan.status, plan.received_amount, plan.settled_on) == (
        Status.PARTIALLY_KEPT,
        Decimal("70.00"),
        dt.date(2026, 3, 14),
    )
    assert part_statuses(taken.pk) == [
        (Status.KEPT, Decimal("50.00")),
        (Status.PARTIALLY_KEPT, Decimal("20.00")),
        (Status.CANCELLED, Decimal("0.00")),
    ]


def test_a_plan_whose_first_part_is_missed_is_broken_even_if_money_comes_later(case):
    parts = ((dt.date(2026, 3, 4), "50.00"), (dt.date(2026, 3, 11), "50.00"))
    taken = promise(case, *parts, today=MADE)
    pay(case, "100.00", on=dt.date(2026, 3, 10))  # after the first part's grace days

    promises_settle(today=dt.date(2026, 3, 12), now=NIGHT)  # settled late: the result is the same

    plan = settled(taken.pk)
    assert (plan.status, plan.received_amount) == (Status.BROKEN, Decimal("0.00"))
    assert [status for status, _ in part_statuses(taken.pk)] == [Status.BROKEN, Status.CANCELLED]


def test_a_reversal_turns_a_met_part_of_an_open_plan_into_a_missed_one(case):
    parts = ((dt.date(2026, 3, 4), "50.00"), (dt.date(2026, 3, 11), "50.00"))
    taken = promise(case, *parts, today=MADE)
    payment = pay(case, "50.00", on=dt.date(2026, 3, 4))
    promises_settle(today=dt.date(2026, 3, 7), now=NIGHT)
    assert part_statuses(taken.pk)[0][0] == Status.KEPT

    payment_reverse_crediting(payment=payment, actor_label="core")
    promises_settle(today=dt.date(2026, 3, 8), now=NIGHT)

    assert settled(taken.pk).status == Status.BROKEN
    assert [status for status, _ in part_statuses(taken.pk)] == [Status.BROKEN, Status.CANCELLED]


def test_payments_go_to_the_oldest_open_promise_first(case):
    older = promise(case, (DUE, "100.00"), today=MADE)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=dt.date(2026, 3, 3))
    newer_case = Case.objects.create(
        account=case.account, bucket="M1", dpd=1, overdue_amount=Decimal("300.00"), opened_on=dt.date(2026, 3, 4),
        agent=case.agent, team=case.team,
    )  # fmt: skip
    newer = promise(newer_case, (DUE, "100.00"), today=dt.date(2026, 3, 4))

    pay(case, "150.00", on=dt.date(2026, 3, 5))
    promises_settle(today=SETTLE, now=NIGHT)

    assert (settled(older.pk).status, settled(older.pk).received_amount) == (Status.KEPT, Decimal("100.00"))
    assert (settled(newer.pk).status, settled(newer.pk).received_amount) == (Status.PARTIALLY_KEPT, Decimal("50.00"))


def test_settling_twice_gives_the_same_result_and_writes_nothing(case, django_assert_max_num_queries):
    kept = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "100.00", on=DUE)
    other = make_case(case.agent)
    broken = promise(other, (DUE, "100.00"), today=MADE)
    first = promises_settle(today=SETTLE, now=NIGHT)
    rows = list(PromiseToPay.objects.order_by("pk").values())
    parts = list(PromisePart.objects.order_by("pk").values())
    callbacks = list(Callback.objects.values_list("pk", flat=True))
    priorities = list(Case.objects.order_by("pk").values_list("priority", "next_action_at"))

    second = promises_settle(today=SETTLE, now=NIGHT + dt.timedelta(minutes=5))

    assert (first.kept, first.broken, first.follow_ups) == (1, 1, 1)
    assert (second.kept, second.broken, second.parts_changed, second.follow_ups, second.reprioritized) == (0,) * 5
    assert list(PromiseToPay.objects.order_by("pk").values()) == rows
    assert list(PromisePart.objects.order_by("pk").values()) == parts
    assert list(Callback.objects.values_list("pk", flat=True)) == callbacks
    assert list(Case.objects.order_by("pk").values_list("priority", "next_action_at")) == priorities
    assert {kept.pk, broken.pk} == set(PromiseToPay.objects.values_list("pk", flat=True))


def test_the_settle_task_settles_for_the_given_day(case):
    taken = promise(case, (DUE, "100.00"), today=MADE)
    pay(case, "100.00", on=DUE)

    summary = promises_settle_task.delay(SETTLE.isoformat()).get()

    assert summary["kept"] == 1
    assert settled(taken.pk).status == Status.KEPT


def test_settling_takes_as_many_queries_for_twelve_promises_as_for_two(case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling.engine.policies import policies_snapshot

    policies_snapshot()  # the process reads the contact policies once, not per run (engine/policies.py)

    def settle_book(size: int, day: dt.date) -> int:
        cases = [make_case(case.agent) for _ in range(size)]
        for index, each in enumerate(cases):
            promise(each, (day, "100.00"), today=day - dt.timedelta(days=2))
            if index % 2:
                pay(each, "100.00", on=day)
        with CaptureQueriesContext(connection) as queries:
            result = promises_settle(today=day + dt.timedelta(days=3), now=NIGHT)
        assert result.kept + result.broken == size
        return len(queries)

    assert settle_book(2, dt.date(2026, 4, 6)) == settle_book(12, dt.date(2026, 5, 6))
