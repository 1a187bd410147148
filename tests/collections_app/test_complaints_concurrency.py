"""Race safety of the holds: complaints on two debts of one borrower registered at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import LoanAccount
from collections_app.models import Case
from collections_app.services.complaints import complaint_register
from scheduling.engine import evaluate
from scheduling.models import ContactPreference
from scheduling.presets import presets_ensure
from tests.collections_app.complaint_fixtures import category
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, first_phone, open_case
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
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def complain(case: Case) -> None:
        try:
            start.wait(timeout=30)
            complaint_register(case=case, category=tactics, channel="call", description="Rude.", actor=None)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    # when both complaints come in at the same moment
    threads = [threading.Thread(target=complain, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then both debts are held
    assert not failures, failures
    held = ContactPreference.objects.get(borrower=first.account.borrower).complaint_hold_accounts
    assert sorted(held) == sorted(c.account_id for c in cases)
    for case in cases:
        decision = evaluate(phone=first_phone(cases[0]), at=MORNING, account=case.account)
        assert "complaint_open" in decision.codes
