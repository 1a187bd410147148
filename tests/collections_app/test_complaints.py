"""Complaints: a holding one stops every contact about the debt until resolved; deadlines; the owner's queue."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEntry
from collections_app.models import Complaint, ComplaintPolicy, ContactAttempt
from collections_app.selectors.complaints import complaint_queue
from collections_app.services.attempts import attempt_reserve
from collections_app.services.calls import call_place
from collections_app.services.complaints import (
    complaint_acknowledge,
    complaint_assign,
    complaint_register,
    complaint_resolve,
)
from config.errors import DomainError
from scheduling.engine import evaluate
from tests.collections_app.complaint_fixtures import category
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    NY,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    local,
    login,
    open_case,
)

pytestmark = pytest.mark.django_db


def register(case, code="communication_tactics", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("actor", case.agent.user)
    fields.setdefault("received_at", MORNING - dt.timedelta(hours=1))
    return complaint_register(
        case=case, category=category(code), channel="call", description="The agent shouted at me.", **fields
    )


def resolve(complaint, actor):  # type: ignore[no-untyped-def]
    return complaint_resolve(
        complaint=complaint, actor=actor, resolution="rejected", root_cause="misunderstanding", note="Explained."
    )


def codes(case, channel="call", source="agent"):  # type: ignore[no-untyped-def]
    decision = evaluate(phone=first_phone(case), channel=channel, at=MORNING, source=source, account=case.account)
    return decision.codes


def test_a_holding_complaint_refuses_calls_dials_and_messages_until_it_is_resolved(floor, at):
    # given a case the engine would let the agent call now
    case = open_case(floor.ann, autodialer_consent=True)
    assert codes(case) == []

    # when the borrower complains about the agent's tactics
    complaint = register(case)

    # then the agent's call, the dialer's dial and an SMS are all refused with complaint_open
    placed = call_place(case=case, phone=first_phone(case), actor=floor.ann.user, at=MORNING)
    assert placed.attempt is None
    assert "complaint_open" in placed.decision.codes
    assert "no contact until it is resolved" in placed.decision.reasons[0].message
    decision, attempt = attempt_reserve(
        phone=first_phone(case), case=case, source=ContactAttempt.Source.DIALER, at=MORNING
    )
    assert attempt is None and decision.codes == ["complaint_open"]
    assert "complaint_open" in codes(case, channel="sms")
    assert not ContactAttempt.objects.exists()

    # when a supervisor... here the team lead resolves it
    resolve(complaint, floor.lead)

    # then the call goes through
    assert codes(case) == []
    assert codes(case, channel="sms") == ["no_sms_consent"]  # the complaint no longer holds; consent is its own rule
    placed = call_place(case=case, phone=first_phone(case), actor=floor.ann.user, at=MORNING)
    assert placed.attempt is not None


def test_a_complaint_of_a_category_that_does_not_hold_leaves_collection_running(floor, at):
    case = open_case(floor.ann)

    complaint = register(case, code="fees")

    assert complaint.holds_collection is False
    assert codes(case) == []


def test_a_hold_is_on_the_debt_complained_about_not_on_the_borrowers_other_debts(floor, at):
    case = open_case(floor.ann)
    other = open_case(floor.ann)

    register(case)

    assert codes(case) == ["complaint_open"]
    assert codes(other) == []


def test_acknowledging_keeps_the_hold_and_a_category_change_later_does_not_lift_it(floor, at):
    case = open_case(floor.ann)
    complaint = register(case)

    complaint_acknowledge(complaint=complaint, actor=floor.lead)
    tactics = category("communication_tactics")
    tactics.holding = False
    tactics.save()

    assert codes(case) == ["complaint_open"]


def test_the_acknowledgement_deadline_skips_a_public_holiday_and_the_weekend(floor, at):
    # given a New York borrower who complains on Thursday 2 July 2026 (Friday 3 July is Independence
    # Day observed); the default policy acknowledges in 1 business day and answers in 15 calendar days
    case = open_case(floor.ann)

    complaint = register(case, received_at=local(NY, 2026, 7, 2, 15))

    # then the acknowledgement is due by the end of Monday 6 July in New York, the answer by 17 July
    assert complaint.acknowledge_by == local(NY, 2026, 7, 7)
    assert complaint.resolve_by == local(NY, 2026, 7, 18)


def test_answers_in_business_days_skip_thanksgiving_when_the_policy_says_so(floor, at):
    ComplaintPolicy.objects.create(country="US", acknowledge_business_days=2, resolve_days=5, resolve_in_business_days=True)
    case = open_case(floor.ann)

    # received on Wednesday 25 November 2026, the day before Thanksgiving
    complaint = register(case, received_at=local(NY, 2026, 11, 25, 9))

    # Thu 26 (Thanksgiving) and the weekend do not count: Fri 27, Mon 30 (2 days), Tue 1, Wed 2, Thu 3 Dec
    # (5 days); each deadline is the end of its day in New York
    assert complaint.acknowledge_by == local(NY, 2026, 12, 1)
    assert complaint.resolve_by == local(NY, 2026, 12, 4)


def test_deadlines_follow_the_holidays_of_the_borrowers_country(floor, at):
    # the same Thursday 2 July for a borrower in London: 3 July is an ordinary Friday there
    case = open_case(floor.ann, timezone="Europe/London")

    complaint = register(case, received_at=local("Europe/London", 2026, 7, 2, 15))

    assert complaint.acknowledge_by == local("Europe/London", 2026, 7, 4)


def test_the_owners_queue_lists_the_nearest_deadline_first_and_marks_the_overdue(floor, at):
    # given three complaints owned by the team lead: one received long ago, one acknowledged, one new
    old = register(open_case(floor.ann), received_at=MORNING - dt.timedelta(days=20))
    complaint_acknowledge(complaint=old, actor=floor.lead)
    late_ack = register(open_case(floor.ann), received_at=MORNING - dt.timedelta(days=3))
    fresh = register(open_case(floor.bob), received_at=MORNING - dt.timedelta(minutes=5))
    done = register(open_case(floor.ann))
    resolve(done, floor.lead)

    queue = list(complaint_queue(floor.lead, now=MORNING))

    assert [c.pk for c in queue] == [old.pk, late_ack.pk, fresh.pk]
    assert [c.overdue for c in queue] == [True, True, False]
    assert queue[0].due_at == old.resolve_by and queue[1].due_at == late_ack.acknowledge_by
    # the other lead owns none of them
    assert list(complaint_queue(floor.other_lead, now=MORNING)) == []


def test_every_step_is_audited_without_the_borrowers_words(floor, at):
    case = open_case(floor.ann)
    complaint = register(case)
    complaint_acknowledge(complaint=complaint, actor=floor.lead)
    complaint_assign(complaint=complaint, owner=floor.other_lead, actor=floor.lead)
    resolve(complaint, floor.lead)

    entries = AuditEntry.objects.filter(object_type="collections_app.complaint", object_id=str(complaint.pk))
    assert list(entries.order_by("pk").values_list("action", flat=True)) == [
        "complaint.register", "complaint.acknowledge", "complaint.assign", "complaint.resolve",
    ]  # fmt: skip
    assert entries.get(action="complaint.register").after["category"] == "communication_tactics"
    assert entries.get(action="complaint.resolve").before["status"] == "acknowledged"
    assert "shouted" not in str(list(entries.values("before", "after")))


def test_the_agent_of_the_linked_calls_is_the_agent_complained_about(floor, at):
    case = open_case(floor.ann)
    placed = call_place(case=case, phone=first_phone(case), actor=floor.ann.user, at=MORNING)

    complaint = register(case, attempts=[placed.attempt], actor=floor.lead)

    assert complaint.agent == floor.ann.user
    assert list(complaint.attempts.all()) == [placed.attempt]
    assert complaint.owner == floor.lead


def test_bad_input_is_refused_and_writes_nothing(floor, at):
    case = open_case(floor.ann)
    elsewhere = open_case(floor.bob)
    attempt = call_place(case=elsewhere, phone=first_phone(elsewhere), actor=floor.bob.user, at=MORNING).attempt

    with pytest.raises(DomainError) as refused:
        complaint_register(
            case=case, category=category("fees"), channel="pigeon", description="  ", actor=floor.ann.user,
            attempts=[attempt], received_at=MORNING + dt.timedelta(days=1), now=MORNING,
        )  # fmt: skip

    assert set(refused.value.errors) == {"description", "channel", "attempts", "received_at"}
    assert not Complaint.objects.exists()


def test_a_resolved_complaint_cannot_change_and_nobody_resolves_a_complaint_about_themselves(floor, at):
    case = open_case(floor.ann)
    complaint = register(case, agent=floor.ann.user)

    with pytest.raises(DomainError) as own:
        resolve(complaint, floor.ann.user)
    assert own.value.code == "not_authorized"
    resolve(complaint, floor.lead)
    with pytest.raises(DomainError) as closed:
        complaint_acknowledge(complaint=complaint, actor=floor.lead)
    assert closed.value.code == "wrong_status"


def test_a_retried_registration_with_the_same_external_id_registers_one_complaint(floor, at):
    case = open_case(floor.ann)

    first = register(case, external_id="crm-1")
    again = register(case, external_id="crm-1")

    assert first.pk == again.pk
    assert Complaint.objects.count() == 1


def test_the_hold_lifts_only_when_the_last_holding_complaint_on_the_debt_is_resolved(floor, at):
    case = open_case(floor.ann)
    first, second = register(case), register(case, code="frequent_calls")

    resolve(first, floor.lead)
    assert codes(case) == ["complaint_open"]
    resolve(second, floor.lead)

    assert codes(case) == []
