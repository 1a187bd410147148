"""The plan's messages go through the messaging service within the borrower's window, decided by the engine."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from collections_app.models import ContactAttempt, Message, PlanAction
from collections_app.services.plan import plan_run
from collections_app.services.plan_sending import plan_sends_dispatch
from tests.factories import PhoneFactory
from tests.strategies.book import NOW, TODAY, account
from tests.strategies.plan_book import open_case, promise

pytestmark = pytest.mark.django_db

MORNING_IN_NEW_YORK = dt.datetime(2026, 3, 7, 15, 0, tzinfo=dt.UTC)  # 10:00 there


def reminded(**kwargs: object):  # type: ignore[no-untyped-def]
    loan = account(**kwargs)  # type: ignore[arg-type]
    PhoneFactory(borrower=loan.borrower, sms_consent=True)
    return loan


def test_a_planned_reminder_is_queued_once_through_the_messaging_service() -> None:
    loan = reminded(due_in=3)
    plan_run(today=TODAY, now=MORNING_IN_NEW_YORK)

    first = plan_sends_dispatch(now=MORNING_IN_NEW_YORK)
    again = plan_sends_dispatch(now=MORNING_IN_NEW_YORK + dt.timedelta(minutes=5))

    message = Message.objects.get()
    step = PlanAction.objects.get()
    assert (step.status, step.message_id) == ("queued", message.pk)
    assert (message.account_id, message.case_id, message.status) == (loan.pk, None, "queued")
    assert message.template.code == "pre_due_sms" and "2026-03-10" in message.body
    assert message.attempt is not None and message.decision["allowed"] is True
    assert first.as_dict()["queued"] == 1 and again.as_dict()["queued"] == 0


def test_before_the_borrowers_hours_the_send_waits_for_them() -> None:
    reminded(due_in=3)
    night = dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC)  # 04:00 in New York
    plan_run(today=TODAY, now=night)

    waited = plan_sends_dispatch(now=night)

    step = PlanAction.objects.get()
    assert waited.waiting == 1 and not Message.objects.exists()
    assert step.status == "planned" and step.not_before > night
    assert step.not_before.astimezone(dt.UTC).date() == TODAY
    assert plan_sends_dispatch(now=step.not_before - dt.timedelta(minutes=1)).as_dict() == {
        "queued": 0, "refused": 0, "waiting": 0, "stopped": 0, "skipped": 0, "lapsed": 0,
    }  # fmt: skip
    assert len(plan_sends_dispatch(now=step.not_before).queued) == 1


def test_a_promise_made_after_the_plan_stops_its_message() -> None:
    loan = reminded(due_in=-1, dpd=1, bucket="M1")
    case = open_case(loan)
    plan_run(today=TODAY, now=MORNING_IN_NEW_YORK)
    promise(case)

    out = plan_sends_dispatch(now=MORNING_IN_NEW_YORK)

    assert out.stopped == 1 and not Message.objects.exists()
    assert PlanAction.objects.get().reason == "promise_open"


def test_an_opted_out_number_is_skipped() -> None:
    loan = account(due_in=3)
    PhoneFactory(borrower=loan.borrower, sms_consent=True, sms_opted_out=True)
    reminded(due_in=1)
    plan_run(today=TODAY, now=MORNING_IN_NEW_YORK)

    out = plan_sends_dispatch(now=MORNING_IN_NEW_YORK)

    assert (out.skipped, len(out.queued)) == (1, 1)
    assert PlanAction.objects.get(account=loan).reason == "no_address"
    assert Message.objects.get().account_id != loan.pk


def test_a_send_not_made_on_its_day_lapses() -> None:
    reminded(due_in=1)
    plan_run(today=TODAY, now=NOW)

    out = plan_sends_dispatch(now=dt.datetime(2026, 3, 8, 15, 0, tzinfo=dt.UTC))

    assert (out.lapsed, out.queued) == (1, [])
    assert PlanAction.objects.get().status == "lapsed" and not Message.objects.exists()


def _decisions_counted(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every decision the compliance engine makes (read-only check or reservation), recorded."""
    evaluating = importlib.import_module("scheduling.engine.evaluate")
    reservations = importlib.import_module("scheduling.engine.reservations")

    made: list[object] = []

    def counting(real):  # type: ignore[no-untyped-def]
        def decide(*args, **kwargs):  # type: ignore[no-untyped-def]
            made.append(decision := real(*args, **kwargs))
            return decision

        return decide

    monkeypatch.setattr(evaluating, "decide", counting(evaluating.decide))
    monkeypatch.setattr(reservations, "decide", counting(reservations.decide))
    return made


def test_a_send_is_decided_once_and_its_message_keeps_that_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    reminded(due_in=3)
    plan_run(today=TODAY, now=MORNING_IN_NEW_YORK)
    made = _decisions_counted(monkeypatch)

    out = plan_sends_dispatch(now=MORNING_IN_NEW_YORK)

    assert len(out.queued) == 1 and len(made) == 1
    assert Message.objects.get().decision == made[0].as_json()  # type: ignore[attr-defined]


def test_a_send_that_waits_is_decided_once_and_records_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    reminded(due_in=3)
    night = dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC)  # 04:00 in New York
    plan_run(today=TODAY, now=night)
    made = _decisions_counted(monkeypatch)

    out = plan_sends_dispatch(now=night)

    assert out.waiting == 1 and len(made) == 1
    assert not Message.objects.exists() and not ContactAttempt.objects.exists()
    assert PlanAction.objects.get().not_before == made[0].next_allowed_at  # type: ignore[attr-defined]
