"""Disputes as a workflow: opened by a disposition, an agent or the API; held until verified; upheld or rejected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import AuditEntry, Installment, LoanAccount
from collections_app.models import Dispute
from collections_app.services.calls import call_outcome_record, call_place
from collections_app.services.contact_requests import borrower_request_record, contact_block_reverse
from collections_app.services.disputes import Correction, dispute_open, dispute_resolve
from config.errors import DomainError
from scheduling.engine import evaluate
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    at_fixture,
    code,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    open_case,
)

pytestmark = pytest.mark.django_db


def codes(case):  # type: ignore[no-untyped-def]
    return evaluate(phone=first_phone(case), at=MORNING, account=case.account).codes


def test_a_dispute_disposition_opens_a_dispute_that_holds_until_the_verification_is_recorded(floor, at):
    # given a call in which the borrower disputes the debt
    case = open_case(floor.ann)
    placed = call_place(case=case, phone=first_phone(case), actor=floor.ann.user, at=MORNING)
    assert placed.attempt is not None
    call_outcome_record(
        attempt=placed.attempt, disposition=code("dispute"), actor=floor.ann.user, talk_seconds=60,
        conversation=True, right_party_contact=True, notes="", at=MORNING,
    )  # fmt: skip

    # then a dispute is open on the debt and collection is held
    dispute = Dispute.objects.get()
    assert (dispute.via, dispute.status, dispute.attempt, dispute.case) == ("disposition", "open", placed.attempt, case)
    assert "dispute" in codes(case)

    # when the team lead records the verification: the debt is as billed
    dispute_resolve(dispute=dispute, outcome="rejected", verification="Contract and statement sent.", actor=floor.lead)

    # then collection resumes (the conversation's cool-down aside)
    assert "dispute" not in codes(case)
    assert "cool_down" in codes(case)
    assert Dispute.objects.get().status == "rejected"


def installment(case):  # type: ignore[no-untyped-def]
    return Installment.objects.create(
        loan=case.account, seq=1, due_date=dt.date(2026, 3, 1), principal_due=Decimal("200.00"),
        fee_due=Decimal("25.00"),
    )  # fmt: skip


def test_an_upheld_dispute_corrects_the_amount_through_the_schedule_and_audits_it(floor, at):
    # given a borrower who says a 25.00 fee was charged twice
    case = open_case(floor.ann)
    inst = installment(case)
    dispute = dispute_open(account=case.account, via="agent", actor=floor.ann.user, reason="Fee charged twice.")

    # when the lead upholds it and takes the fee off
    dispute_resolve(
        dispute=dispute, outcome="upheld", verification="Billing checked: charged twice.", actor=floor.lead,
        corrections=[Correction(seq=1, component="fee", amount=Decimal("25.00"))],
    )  # fmt: skip

    # then the installment owes no fee, the schedule before and after is audited, collection resumes
    inst.refresh_from_db()
    assert (inst.fee_due, inst.principal_due) == (Decimal("0.00"), Decimal("200.00"))
    entry = AuditEntry.objects.get(action="dispute.upheld")
    assert entry.after["corrections"] == [{"seq": 1, "component": "fee", "amount": "25.00"}]
    assert entry.before["schedule"] != entry.after["schedule"]
    assert "dispute" not in codes(case)


def test_a_correction_beyond_what_is_unpaid_is_refused_and_the_dispute_stays_open(floor, at):
    case = open_case(floor.ann)
    inst = installment(case)
    dispute = dispute_open(account=case.account, via="api", actor=None)

    with pytest.raises(DomainError) as refused:
        dispute_resolve(
            dispute=dispute, outcome="upheld", verification="Checked.", actor=floor.lead,
            corrections=[Correction(seq=inst.seq, component="principal", amount=inst.principal_due + 1)],
        )  # fmt: skip

    assert "corrections[0]" in refused.value.errors
    assert Dispute.objects.get().status == "open"
    assert "dispute" in codes(case)


def test_resolving_needs_the_verification_and_a_resolved_dispute_stays_resolved(floor, at):
    case = open_case(floor.ann)
    dispute = dispute_open(account=case.account, via="agent", actor=floor.ann.user)

    with pytest.raises(DomainError) as missing:
        dispute_resolve(dispute=dispute, outcome="rejected", verification=" ", actor=floor.lead)
    assert set(missing.value.errors) == {"verification"}
    dispute_resolve(dispute=dispute, outcome="rejected", verification="Statement sent.", actor=floor.lead)
    with pytest.raises(DomainError) as again:
        dispute_resolve(dispute=dispute, outcome="upheld", verification="Changed my mind.", actor=floor.lead)
    assert again.value.code == "wrong_status"


def two_debts(floor):  # type: ignore[no-untyped-def]
    """Two cases of one borrower, each on its own debt."""
    case = open_case(floor.ann)
    other = open_case(floor.ann)
    LoanAccount.objects.filter(pk=other.account_id).update(borrower=case.account.borrower)
    other.account.refresh_from_db()
    return case, other


def test_a_dispute_holds_the_disputed_debt_and_not_the_borrowers_other_debt(floor, at):
    # given a borrower with two debts, one of them disputed
    case, other = two_debts(floor)
    dispute = dispute_open(account=case.account, via="agent", actor=floor.ann.user, reason="Not my loan.")

    # then calls about the disputed debt are refused and calls about the other debt go on, on the same number
    assert codes(case) == ["dispute"]
    assert codes(other) == []
    sms = evaluate(phone=first_phone(case), at=MORNING, account=other.account, channel="sms")
    assert "dispute" not in sms.codes

    # when the dispute is rejected, the disputed debt is back in collection too
    dispute_resolve(dispute=dispute, outcome="rejected", verification="Contract sent.", actor=floor.lead)
    assert codes(case) == []


def test_each_debt_is_held_until_its_own_dispute_is_resolved(floor, at):
    # given a borrower with two debts, both disputed (a second dispute on a debt is the same one)
    case, other = two_debts(floor)
    first = dispute_open(account=case.account, via="agent", actor=floor.ann.user)
    assert dispute_open(account=case.account, via="api", actor=None).pk == first.pk
    second = dispute_open(account=other.account, via="agent", actor=floor.ann.user)

    # when the first is rejected, its debt resumes and the other stays held; then the other resumes
    dispute_resolve(dispute=first, outcome="rejected", verification="Sent.", actor=floor.lead)
    assert ("dispute" in codes(case), "dispute" in codes(other)) == (False, True)
    dispute_resolve(dispute=second, outcome="rejected", verification="Sent.", actor=floor.lead)
    assert "dispute" not in codes(other)
    actions = AuditEntry.objects.filter(object_type="collections_app.dispute").order_by("pk")
    assert list(actions.values_list("action", flat=True)) == [
        "dispute.open", "dispute.open", "dispute.rejected", "dispute.rejected",
    ]  # fmt: skip


def test_an_agent_recording_the_borrowers_dispute_opens_one_and_reversing_it_withdraws_it(floor, at):
    case = open_case(floor.ann)
    borrower_request_record(borrower=case.account.borrower, kind="dispute", actor=floor.ann.user, note="Called in.")
    dispute = Dispute.objects.get()
    assert (dispute.via, dispute.account) == ("agent", case.account)
    assert "dispute" in codes(case)

    contact_block_reverse(borrower=case.account.borrower, kind="dispute", actor=floor.lead, reason="Wrong borrower.")

    assert Dispute.objects.get().status == "withdrawn"
    assert "dispute" not in codes(case)
