"""Race safety of the holds: complaints on two debts of one borrower registered at the same moment."""

from __future__ import annotations

import pytest

from accounts.models import LoanAccount
from collections_app.models import Case
from collections_app.services.complaints import complaint_register
from scheduling.engine import evaluate
from scheduling.models import ContactPreference
from scheduling.presets import presets_ensure
from tests.collections_app.complaint_fixtures import category
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, first_phone, open_case
from tests.concurrency import at_once
from tests.factories import make_agent, make_team


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_complaints_registered_at_once_on_two_debts_of_one_borrower_both_hold() -> None:
    # given a borrower with two debts in collection
    presets_ensure()
    dispositions_ensure()
    agent = make_agent(make_team("Race Team", ["M1"]), "racer")
    first = open_case(agent)
    second = open_case(agent)
    LoanAccount.objects.filter(pk=second.account_id).update(borrower=first.account.borrower)
    cases = [Case.objects.select_related("account__borrower", "team").get(pk=c.pk) for c in (first, second)]
    tactics = category("communication_tactics")

    def complain(case: Case) -> None:
        complaint_register(case=case, category=tactics, channel="call", description="Rude.", actor=None)

    # when both complaints come in at the same moment
    at_once(len(cases), complain, ready=lambda index: cases[index])

    # then both debts are held
    held = ContactPreference.objects.get(borrower=first.account.borrower).complaint_hold_accounts
    assert sorted(held) == sorted(c.account_id for c in cases)
    for case in cases:
        decision = evaluate(phone=first_phone(cases[0]), at=MORNING, account=case.account)
        assert "complaint_open" in decision.codes
