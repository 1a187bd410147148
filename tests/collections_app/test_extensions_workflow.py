"""Script, offer limits, the authority matrix, SOP versions, and applying an extension."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from accounts.models import AuditEntry, Installment, LoanAccount
from collections_app.models import ExtensionRequest, ExtensionWaiver
from collections_app.services import extensions
from collections_app.services.close import book_close
from collections_app.services.extension_sops import extension_sop_new_version
from collections_app.services.extensions import (
    extension_apply,
    extension_approve,
    extension_create,
    extension_reject,
    extension_submit,
)
from config.errors import DomainError
from tests.collections_app.extension_book import (
    TODAY,
    an_agent,
    draft_with_script,
    eligible_case,
    shipped_sop,
    submitted,
    terms,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def schedule(case):  # type: ignore[no-untyped-def]
    return list(Installment.objects.filter(loan=case.account).order_by("seq").values_list("seq", "due_date", "penalty_due"))


def test_it_refuses_to_submit_before_every_required_step_is_ticked():
    agent = an_agent()
    case = eligible_case(agent)
    request = extension_create(case=case, sop=shipped_sop(), actor=agent.user, today=TODAY)

    with pytest.raises(DomainError) as refused:
        extension_submit(request=request, terms=terms(), actor=agent.user)

    assert "identity" in refused.value.errors["script"][0]
    assert ExtensionRequest.objects.get(pk=request.pk).status == "draft"


def test_terms_outside_the_offer_limits_are_refused_field_by_field():
    agent = an_agent()
    case = eligible_case(agent)
    request = draft_with_script(case, agent.user)

    with pytest.raises(DomainError) as refused:
        extension_submit(
            request=request,
            terms=terms(installment_seqs=[2, 3], days_deferred=31, penalty_waiver=Decimal("0.6"), hardship_reason="bored"),
            actor=agent.user,
        )

    assert set(refused.value.errors) == {"installment_seqs", "days_deferred", "penalty_waiver", "hardship_reason"}


def test_a_grant_within_the_agents_authority_is_approved_on_submission():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")

    request = submitted(case, agent.user)

    assert request.status == "approved"
    assert request.penalty_waived == Decimal("30.00")
    assert request.approver == agent.user


def test_an_agents_grant_over_200_goes_to_approval_and_a_team_lead_approves_it():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    lead = user_with_role("lee", "team_lead")

    request = submitted(case, agent.user)
    assert request.status == "submitted"
    assert request.penalty_waived == Decimal("300.00")

    approved = extension_approve(request=request, actor=lead, reason="documented job loss")
    assert approved.status == "approved"
    assert approved.approver == lead


def test_a_team_lead_cannot_approve_above_1000_and_a_supervisor_can():
    agent = an_agent()
    case = eligible_case(agent, penalty="3000.00")
    request = submitted(case, agent.user)

    with pytest.raises(DomainError) as refused:
        extension_approve(request=request, actor=user_with_role("lee", "team_lead"))
    assert refused.value.code == "not_authorized"
    assert ExtensionRequest.objects.get(pk=request.pk).status == "submitted"

    approved = extension_approve(request=request, actor=user_with_role("sue", "supervisor"))
    assert approved.status == "approved"


def test_nobody_approves_their_own_request():
    lead = user_with_role("lee", "team_lead")
    case = eligible_case(an_agent(), penalty="3000.00")
    request = submitted(case, lead)

    with pytest.raises(DomainError, match="their own"):
        extension_approve(request=request, actor=lead)


def test_a_request_through_a_third_party_waits_for_a_supervisor_even_when_small():
    agent = an_agent()
    case = eligible_case(agent)
    request = extension_submit(
        request=draft_with_script(case, agent.user, via_third_party=True), terms=terms(), actor=agent.user
    )
    assert request.status == "submitted"
    assert request.flag_third_party

    with pytest.raises(DomainError, match="supervisor"):
        extension_approve(request=request, actor=user_with_role("lee", "team_lead"))
    assert extension_approve(request=request, actor=user_with_role("sue", "supervisor")).status == "approved"


def test_a_rejection_needs_a_reason_and_frees_the_account():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    request = submitted(case, agent.user)
    lead = user_with_role("lee", "team_lead")

    with pytest.raises(DomainError):
        extension_reject(request=request, actor=lead, reason=" ")
    rejected = extension_reject(request=request, actor=lead, reason="no evidence of hardship")

    assert rejected.status == "rejected"
    again = extension_create(case=case, sop=shipped_sop(), actor=agent.user, today=TODAY)
    assert again.flag_repeated


def test_a_request_keeps_its_sop_version_after_the_sop_is_edited():
    agent = an_agent()
    case = eligible_case(agent)
    request = draft_with_script(case, agent.user)
    old = shipped_sop()

    new = extension_sop_new_version(sop=old, max_extension_days=15)

    request.refresh_from_db()
    assert request.sop_id == old.pk
    assert request.sop.max_extension_days == 30
    assert (new.version, new.max_extension_days, new.steps.count()) == (old.version + 1, 15, old.steps.count())
    assert extension_submit(request=request, terms=terms(days_deferred=30), actor=agent.user).status == "approved"


def test_applying_moves_exactly_the_agreed_installment_and_waives_its_penalty():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    before = schedule(case)
    request = submitted(case, agent.user)

    applied = extension_apply(request=request, actor=agent.user, today=TODAY)

    after = schedule(case)
    assert after[1] == (2, dt.date(2026, 3, 17), Decimal("30.00"))
    assert after[:1] + after[2:] == before[:1] + before[2:]
    assert applied.status == "applied"
    assert applied.schedule_before[1]["due_date"] == "2026-02-15"
    assert applied.schedule_after[1]["due_date"] == "2026-03-17"
    assert AuditEntry.objects.filter(object_id=str(request.pk), action__startswith="extension.").count() >= 7


def test_the_waiver_lands_as_its_own_ledger_entry_not_as_a_payment():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    payments_before = case.account.payments.count()

    extension_apply(request=submitted(case, agent.user), actor=agent.user, today=TODAY)

    waivers = list(ExtensionWaiver.objects.filter(loan=case.account).values_list("installment__seq", "component", "amount"))
    assert waivers == [(2, "penalty", Decimal("30.00"))]
    assert case.account.payments.count() == payments_before


def test_nothing_changes_when_applying_fails_half_way():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    before = schedule(case)
    request = submitted(case, agent.user)

    with (
        mock.patch.object(extensions, "loans_reallocate", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        extension_apply(request=request, actor=agent.user, today=TODAY)

    assert schedule(case) == before
    assert not ExtensionWaiver.objects.exists()
    assert ExtensionRequest.objects.get(pk=request.pk).status == "approved"


def test_a_request_waiting_for_approval_cannot_be_applied():
    agent = an_agent()
    case = eligible_case(agent, penalty="600.00")
    request = submitted(case, agent.user)

    with pytest.raises(DomainError):
        extension_apply(request=request, actor=agent.user, today=TODAY)
    assert not ExtensionWaiver.objects.exists()


def test_the_next_cob_reflects_the_new_due_date():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    book_close(business_date=TODAY)
    assert LoanAccount.objects.get(pk=case.account_id).dpd == 14

    extension_apply(request=submitted(case, agent.user), actor=agent.user, today=TODAY)
    book_close(business_date=TODAY + dt.timedelta(days=1))

    loan = LoanAccount.objects.get(pk=case.account_id)
    assert (loan.dpd, loan.bucket) == (0, "M0")


def test_a_down_payment_must_arrive_before_the_extension_is_applied():
    agent = an_agent()
    case = eligible_case(agent, penalty="60.00")
    request = submitted(case, agent.user, down_payment=Decimal("50.00"))
    assert request.status == "approved"

    with pytest.raises(DomainError) as refused:
        extension_apply(request=request, actor=agent.user, today=TODAY)
    assert refused.value.code == "down_payment_missing"
    assert Installment.objects.get(loan=case.account, seq=2).due_date == dt.date(2026, 2, 15)
