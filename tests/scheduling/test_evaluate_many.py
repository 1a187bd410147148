"""evaluate_many: a batch decided like one at a time, with a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Phone
from scheduling.engine import evaluate, evaluate_many
from scheduling.services.preferences import preference_update
from tests.scheduling.conftest import Debt, call, local, make_debt

NY = "America/New_York"
pytestmark = pytest.mark.django_db


def _book(size: int) -> list[Debt]:
    debts = []
    for index in range(size):
        if index % 3 == 0:
            debt = make_debt(country="CN", region="", timezone="Asia/Shanghai", phone_zones="Asia/Shanghai")
        elif index % 3 == 1:
            debt = make_debt(phone_zones="America/Los_Angeles")
        else:
            debt = make_debt()
        debts.append(debt)
    for debt in debts[2::3][:3]:
        for hour in range(9, 16):
            call(debt, local(NY, 2026, 4, 6, hour))
    preference_update(borrower=debts[5].borrower, changes={"cease_communication": True})
    return debts


def test_a_batch_gets_the_same_decisions_as_one_at_a_time(presets: None) -> None:
    debts = _book(12)
    at = local(NY, 2026, 4, 7, 10)

    batch = evaluate_many([d.phone for d in debts], at=at, source="agent")

    for debt in debts:
        assert batch[debt.phone.pk].as_json() == evaluate(phone=debt.phone, at=at, source="agent").as_json()
    assert {code for d in batch.values() for code in d.codes} >= {"weekly_cap", "cease", "outside_window"}


def test_a_batch_costs_the_same_queries_for_6_or_30_phones(presets: None) -> None:
    _book(30)
    at = local(NY, 2026, 4, 7, 10)
    every_phone = list(Phone.objects.all())
    evaluate_many(every_phone[:1], at=at)  # the process reads the policies once (engine/policies.py)

    with CaptureQueriesContext(connection) as small:
        evaluate_many(every_phone[:6], at=at)
    with CaptureQueriesContext(connection) as large:
        evaluate_many(every_phone, at=at)

    assert len(every_phone) == 30
    assert len(large.captured_queries) == len(small.captured_queries) <= 7


def test_the_queue_can_say_which_debt_each_number_is_about(presets: None) -> None:
    from tests.factories import LoanFactory

    debt = make_debt()
    other = LoanFactory(borrower=debt.borrower)
    for hour in range(9, 16):
        call(debt, local(NY, 2026, 4, 6, hour))

    decisions = evaluate_many([debt.phone], at=local(NY, 2026, 4, 7, 10), accounts={debt.phone.pk: other})

    assert decisions[debt.phone.pk].allowed
    assert decisions[debt.phone.pk].account_id == other.pk


def test_two_debts_of_one_borrower_under_different_products_get_their_own_policies(presets: None) -> None:
    from scheduling.models import PolicyAssignment
    from tests.factories import LoanFactory

    PolicyAssignment.objects.create(country="US", product="card", policy_name="UK CONC")
    debt = make_debt(product="cash")
    card = LoanFactory(borrower=debt.borrower, product="card")
    home = Phone.objects.create(
        borrower=debt.borrower, number="+12125558888", type=Phone.Type.HOME, timezones=NY
    )

    decisions = evaluate_many(
        [debt.phone, home],
        at=local(NY, 2026, 4, 7, 10),
        accounts={debt.phone.pk: debt.account, home.pk: card},
    )

    assert decisions[debt.phone.pk].as_json()["policy"]["name"] == "US Reg F"
    assert decisions[home.pk].as_json()["policy"]["name"] == "UK CONC"
