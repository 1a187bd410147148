"""The daily plan on a hand-made book: who gets which action on the day, what stops it, and running it twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collections_app.models import Arm, ArmAssignment, Case, PlanAction, PlanRun
from collections_app.services.plan import plan_run
from scheduling.models import ContactPreference
from tests.strategies.book import NOW, TODAY, account, shipped
from tests.strategies.plan_book import challenger, open_case, payment, planned, promise

pytestmark = pytest.mark.django_db


def test_the_shipped_plan_reminds_before_the_due_date_texts_at_d1_and_dials_m1_from_d2() -> None:
    account(due_in=3, external_id="D-3")
    account(due_in=2, external_id="D-2")
    account(due_in=1, external_id="D-1")
    account(due_in=0, external_id="D0")
    account(due_in=10, external_id="D-10")
    d1 = account(due_in=-1, dpd=1, bucket="M1", external_id="D+1")
    d5 = account(due_in=-5, dpd=5, bucket="M1", external_id="D+5")
    open_case(d1)
    case5 = open_case(d5)
    account(due_in=-40, dpd=40, bucket="M2", external_id="M2")

    plan_run(today=TODAY, now=NOW)

    assert planned() == {
        ("D-3", "send", -3, "pre_due_sms"),
        ("D-1", "send", -1, "pre_due_sms"),
        ("D0", "send", 0, "pre_due_sms"),
        ("D+1", "send", 1, "overdue_sms"),
        ("D+5", "dialer", 5, "50"),
    }
    strategy = shipped()
    assert set(PlanAction.objects.values_list("strategy_id", "strategy_version", "arm__code")) == {
        (strategy.pk, strategy.version, "champion")
    }
    case5.refresh_from_db()
    assert case5.priority == 50  # on the dialer list, first in the call order
    sends = PlanAction.objects.filter(kind="send")
    assert set(sends.values_list("status", flat=True)) == {"planned"}
    assert PlanAction.objects.get(account__external_id="D-3").case is None  # still current: no case yet


def test_a_paid_account_gets_nothing() -> None:
    paid = account(due_in=3, external_id="PAID")
    payment(paid, on=TODAY - dt.timedelta(days=1))
    early = account(due_in=3, external_id="PAID-EARLY")
    early.installments.filter(seq=1).update(settled_on=TODAY - dt.timedelta(days=5))
    account(due_in=3, external_id="OWES")

    plan_run(today=TODAY, now=NOW)

    assert planned() == {("OWES", "send", -3, "pre_due_sms")}


def test_an_open_promise_stops_the_plan_and_a_promise_made_during_the_day_stops_what_was_planned() -> None:
    promised = account(due_in=-5, dpd=5, bucket="M1", external_id="PROMISED")
    promise(open_case(promised))
    later = open_case(account(due_in=-1, dpd=1, bucket="M1", external_id="LATER"))

    plan_run(today=TODAY, now=NOW)
    assert planned() == {("LATER", "send", 1, "overdue_sms")}

    promise(later)
    refresh = plan_run(today=TODAY, now=NOW + dt.timedelta(hours=2), kind=PlanRun.Kind.INTRADAY)

    stopped = PlanAction.objects.get(account__external_id="LATER")
    assert (stopped.status, stopped.reason) == ("stopped", "promise_open")
    assert refresh.as_dict()["stopped"] == 1 and refresh.created == 0


def test_a_cease_request_stops_the_plan_unless_the_step_says_otherwise() -> None:
    ceased = account(due_in=3, external_id="CEASED")
    ContactPreference.objects.create(borrower=ceased.borrower, cease_communication=True)

    plan_run(today=TODAY, now=NOW)
    assert planned() == set()

    shipped().segments.get(code="pre-due").actions.update(stop_if_cease=False)
    plan_run(today=TODAY, now=NOW)
    assert planned() == {("CEASED", "send", -3, "pre_due_sms")}


def test_the_plan_run_twice_for_a_date_creates_nothing_new() -> None:
    for due_in in (3, 1, 0):
        account(due_in=due_in)
    open_case(account(due_in=-4, dpd=4, bucket="M1"))

    first = plan_run(today=TODAY, now=NOW)
    rows = list(PlanAction.objects.order_by("pk").values())
    assignments = ArmAssignment.objects.count()
    second = plan_run(today=TODAY, now=NOW + dt.timedelta(hours=1), kind=PlanRun.Kind.INTRADAY)

    assert first.created == 4 and second.created == 0
    assert list(PlanAction.objects.order_by("pk").values()) == rows
    assert ArmAssignment.objects.count() == assignments == 4
    assert Case.objects.get().priority == 50


def test_arms_stay_put_across_runs_and_share_changes_and_each_arm_runs_its_own_plan() -> None:
    segment = shipped().segments.get(code="pre-due")
    arm = challenger(segment, "20")  # its plan starts at D-1: no D-3 reminder
    loans = [account(due_in=3) for _ in range(60)]

    plan_run(today=TODAY, now=NOW)
    arms = dict(ArmAssignment.objects.values_list("account_id", "arm__code"))
    assert set(arms.values()) == {"champion", "challenger"}
    reminded = set(PlanAction.objects.values_list("account_id", flat=True))
    assert reminded == {pk for pk, code in arms.items() if code == "champion"}
    assert set(PlanAction.objects.values_list("arm__code", flat=True)) == {"champion"}

    Arm.objects.filter(pk=arm.pk).update(share=Decimal("50"))
    segment.arms.filter(kind=Arm.Kind.CHAMPION).update(share=Decimal("50"))
    tomorrow = TODAY + dt.timedelta(days=2)  # D-1 for all of them
    plan_run(today=tomorrow, now=NOW + dt.timedelta(days=2))

    assert dict(ArmAssignment.objects.values_list("account_id", "arm__code")) == arms
    assert dict(PlanAction.objects.filter(date=tomorrow).values_list("account_id", "arm__code")) == arms
    assert len(arms) == len(loans)
