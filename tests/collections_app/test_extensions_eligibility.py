"""Which SOPs a case is eligible for, and the reason for every refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Installment
from collections_app.models import ExtensionRequest, PromiseToPay
from collections_app.services.extensions import extension_create, extension_eligibility
from config.errors import DomainError
from scheduling.models import ContactPreference
from tests.collections_app.extension_book import TODAY, an_agent, eligible_case, shipped_sop, submitted

pytestmark = pytest.mark.django_db


def reasons_for(case):  # type: ignore[no-untyped-def]
    sop = shipped_sop()
    return next(e for e in extension_eligibility(case=case, today=TODAY) if e.sop.pk == sop.pk).reasons


def test_an_m1_cash_loan_with_a_tenth_repaid_is_eligible_for_the_shipped_sop():
    case = eligible_case(an_agent())

    assert reasons_for(case) == []


def test_a_bucket_outside_the_sop_is_refused_with_the_bucket_named():
    case = eligible_case(an_agent(), bucket="M3", dpd=75)

    reasons = reasons_for(case)

    assert any("M3" in r for r in reasons)
    assert any("75 days past due" in r for r in reasons)


def test_another_product_is_refused():
    case = eligible_case(an_agent())
    case.account.product = "card"
    case.account.save()

    assert reasons_for(case) == ["Product card is not covered."]


def test_a_promise_broken_in_the_last_30_days_is_refused_and_an_older_one_is_not():
    case = eligible_case(an_agent())
    promise = PromiseToPay.objects.create(
        case=case, account=case.account, amount=Decimal("50"), made_on=dt.date(2026, 2, 1),
        first_date=dt.date(2026, 2, 10), final_date=dt.date(2026, 2, 10), deadline=dt.date(2026, 2, 12),
        grace_days=2, kept_threshold=Decimal("1"), status=PromiseToPay.Status.BROKEN, settled_on=dt.date(2026, 2, 12),
    )

    assert reasons_for(case) == ["A promise was broken in the last 30 days (on 2026-02-12)."]

    PromiseToPay.objects.filter(pk=promise.pk).update(settled_on=dt.date(2026, 1, 20))
    assert reasons_for(case) == []


def test_an_open_dispute_is_refused():
    case = eligible_case(an_agent())
    ContactPreference.objects.create(borrower=case.account.borrower, dispute_hold=True)

    assert reasons_for(case) == ["A dispute is open."]


def test_too_little_repaid_is_refused_with_the_share():
    case = eligible_case(an_agent())
    Installment.objects.filter(loan=case.account).update(principal_paid=0, interest_paid=0, settled_on=None)

    assert reasons_for(case) == ["0.00% of the schedule is repaid, at least 10.00% is needed."]


def test_one_applied_extension_in_the_last_12_months_uses_up_the_allowance():
    agent = an_agent()
    case = eligible_case(agent)
    request = submitted(case, agent.user)
    ExtensionRequest.objects.filter(pk=request.pk).update(status="applied", applied_at=timezone.now())

    assert reasons_for(case) == ["Already 1 extension(s) in the last 12 months (at most 1)."]


def test_no_stacking_while_a_request_is_open():
    agent = an_agent()
    case = eligible_case(agent)
    extension_create(case=case, sop=shipped_sop(), actor=agent.user, today=TODAY)

    assert reasons_for(case) == ["An extension request is already open on this account."]
    with pytest.raises(DomainError) as refused:
        extension_create(case=case, sop=shipped_sop(), actor=agent.user, today=TODAY)
    assert refused.value.code == "not_eligible"
    assert ExtensionRequest.objects.filter(case=case).count() == 1
