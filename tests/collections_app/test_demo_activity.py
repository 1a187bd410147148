"""The demo's past collection work (``seed_activity``): calls on the cases' working days inside the
borrower's own hours, one a day at most, and the promises taken on them judged on the loans' real
payments, so that the agent and promise dashboards of ``make run`` have six months to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from accounts.models import Installment, Payment
from collections_app.demo.activity import QUIET_DAYS
from collections_app.management.commands.demo_users import demo_users_ensure
from collections_app.models import Agent, ContactAttempt, ExtensionRequest, PromiseToPay
from collections_app.selectors.extensions import extension_histories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def demo_book() -> None:
    call_command("seed_demo", "--accounts", "400", "--seed", "3", "--months", "4", "--today", TODAY.isoformat(), stdout=StringIO())
    demo_users_ensure(password="demo-pass-123")
    call_command("assign", stdout=StringIO())


def seed_activity(*extra: str) -> str:
    out = StringIO()
    call_command("seed_activity", "--today", TODAY.isoformat(), "--months", "4", *extra, stdout=out)
    return out.getvalue()


def test_calls_fall_on_working_days_in_the_borrowers_own_hours_one_a_day_at_most(demo_book: None) -> None:
    summary = seed_activity()

    calls = list(ContactAttempt.objects.select_related("account__borrower", "case", "disposition"))
    assert len(calls) > 200, summary
    days: list[tuple[int | None, dt.date]] = []
    agent_users = set(Agent.objects.values_list("user_id", flat=True))
    for call in calls:
        local = call.placed_at.astimezone(ZoneInfo(call.account.borrower.timezone))
        days.append((call.case_id, local.date()))
        assert local.weekday() < 5 and 9 <= local.hour < 18, (call.pk, local)
        assert call.case.opened_on <= local.date() <= TODAY - dt.timedelta(days=QUIET_DAYS)
        assert call.status == "completed"
        assert call.agent_id in agent_users, call.agent_id  # the login of an agent
        assert call.right_party_contact == (call.disposition.category == "right_party")
    assert len(days) == len(set(days))  # one call a case a day, in the borrower's calendar
    assert f"Seeded {len(calls):,} calls" in summary


def test_each_promise_is_judged_on_the_loans_payments_and_none_is_left_open(demo_book: None) -> None:
    seed_activity()

    promises = list(PromiseToPay.objects.select_related("attempt__disposition", "account__borrower").prefetch_related("parts"))
    assert promises
    assert {p.status for p in promises} >= {"kept", "broken"}
    for promise in promises:
        assert promise.attempt.disposition.code == "rpc_promise"
        zone = ZoneInfo(promise.account.borrower.timezone)
        assert promise.made_on == promise.attempt.placed_at.astimezone(zone).date()
        # Independently: what the loan paid from the promise's day to its deadline
        paid = Payment.objects.filter(
            loan=promise.account, status="posted", value_date__gte=promise.made_on, value_date__lte=promise.deadline
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
        expected = "kept" if paid >= promise.amount else ("partially_kept" if paid > 0 else "broken")
        assert promise.status == expected, (promise.pk, paid, promise.amount)
        assert promise.received_amount == min(paid, promise.amount)
        assert promise.settled_on == promise.deadline + dt.timedelta(days=1)
        assert [part.status for part in promise.parts.all()] == [expected]


def test_one_promise_at_a_time_per_case(demo_book: None) -> None:
    seed_activity()

    by_case: dict[int, list[PromiseToPay]] = {}
    for promise in PromiseToPay.objects.order_by("made_on"):
        by_case.setdefault(promise.case_id, []).append(promise)
    for promises in by_case.values():
        for earlier, later in zip(promises, promises[1:], strict=False):
            assert later.made_on > earlier.deadline


def test_the_same_seed_gives_the_same_activity_and_if_empty_adds_nothing(demo_book: None) -> None:
    seed_activity("--seed", "5")
    first = list(ContactAttempt.objects.order_by("placed_at", "case_id").values_list("case_id", "placed_at", "disposition__code"))

    assert "no activity seeded" in seed_activity("--if-empty")
    assert ContactAttempt.objects.count() == len(first)

    ContactAttempt.objects.all().delete()
    PromiseToPay.objects.all().delete()
    seed_activity("--seed", "5")
    again = list(ContactAttempt.objects.order_by("placed_at", "case_id").values_list("case_id", "placed_at", "disposition__code"))
    assert again == first


def test_bad_months_is_a_clear_error_and_writes_nothing(demo_book: None) -> None:
    with pytest.raises(CommandError, match="--months must be at least 1"):
        call_command("seed_activity", "--months", "0", stdout=StringIO())
    assert not ContactAttempt.objects.exists()


def test_six_months_of_extensions_are_negotiated_on_hardship_calls_and_carry_their_history(demo_book: None) -> None:
    summary = seed_activity()

    requests = list(ExtensionRequest.objects.select_related("requested_by", "approver"))
    assert f"and {len(requests):,} extension requests" in summary
    assert {"applied", "submitted"} <= {r.status for r in requests} <= {"applied", "rejected", "cancelled", "submitted"}
    assert len({r.account_id for r in requests}) == len(requests)  # one a year per account, as the SOP allows
    histories = extension_histories(requests)
    decided = [r for r in requests if r.status != "submitted"]
    assert max(r.created_at for r in decided) - min(r.created_at for r in decided) > dt.timedelta(days=60)
    for request in decided:
        # made on a hardship call of the case, by the agent who took it, before the quiet days
        call = ContactAttempt.objects.get(case=request.case_id, disposition__code="hardship",
                                          placed_at__lte=request.created_at,
                                          placed_at__gte=request.created_at - dt.timedelta(hours=1))
        assert call.agent_id == request.requested_by_id
        assert request.created_at.date() <= TODAY - dt.timedelta(days=QUIET_DAYS)
        assert request.submitted_at is not None and request.created_at < request.submitted_at
        steps = [str(step.label) for step in histories[request.pk]]
        assert steps[:2] == ["Started", "Submitted"], steps
        assert all(a.at <= b.at for a, b in zip(histories[request.pk], histories[request.pk][1:], strict=False))
    for request in (r for r in requests if r.status == "applied"):
        assert [str(s.label) for s in histories[request.pk]][2:] == ["Approved", "Applied: the schedule changed"]
        assert request.approver is not None and request.approver.groups.filter(name="supervisor").exists()
        # the schedule after is the one the book shows; before, the deferred installment fell due 30 days earlier
        shown = list(Installment.objects.filter(loan=request.account_id).order_by("seq").values_list("seq", "due_date"))
        assert [(row["seq"], row["due_date"]) for row in request.schedule_after] == [(s, d.isoformat()) for s, d in shown]
        [change] = request.schedule_changes
        assert change["seq"] == request.installment_seqs[0]
        before, after = (dt.date.fromisoformat(change[side]["due_date"]) for side in ("before", "after"))
        assert after - before == dt.timedelta(days=30)
    for request in (r for r in requests if r.status == "rejected"):
        assert request.decision_reason and [str(s.label) for s in histories[request.pk]][2:] == ["Rejected"]
    waiting = [r for r in requests if r.status == "submitted"]
    assert len(waiting) == 3
    assert all(r.created_at.date() == TODAY - dt.timedelta(days=1) and r.case.closed_on is None for r in waiting)
