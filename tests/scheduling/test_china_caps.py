"""China: 3 connected calls per borrower a day, 6 unanswered attempts per number a day."""

from __future__ import annotations

import pytest

from accounts.models import Phone
from collections_app.services.attempts import AttemptOutcome, attempt_complete, attempt_reserve
from scheduling.engine import ReasonCode, evaluate
from tests.factories import LoanFactory
from tests.scheduling.conftest import Debt, call, local

SHANGHAI = "Asia/Shanghai"
pytestmark = pytest.mark.django_db


def test_a_fourth_connected_call_in_a_day_is_refused_across_the_borrowers_debts(
    shanghai_borrower: Debt,
) -> None:
    # Given three answered calls today, one of them about another loan of the same borrower
    other_loan = LoanFactory(borrower=shanghai_borrower.borrower)
    call(shanghai_borrower, local(SHANGHAI, 2026, 4, 7, 9), answered=True)
    call(shanghai_borrower, local(SHANGHAI, 2026, 4, 7, 10), answered=True)
    _, attempt = attempt_reserve(
        phone=shanghai_borrower.phone, account=other_loan, at=local(SHANGHAI, 2026, 4, 7, 11)
    )
    assert attempt is not None
    attempt_complete(attempt=attempt, outcome=AttemptOutcome(answered_at=attempt.placed_at))

    # When the agent tries a fourth time
    decision = evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 7, 15))

    # Then it is refused until tomorrow morning
    assert decision.codes == [ReasonCode.DAILY_CONNECTED_CAP]
    assert decision.next_allowed_at == local(SHANGHAI, 2026, 4, 8, 8)
    assert decision.attempts_left_today == 0


def test_a_seventh_unanswered_attempt_on_a_number_is_refused_but_another_number_may_ring(
    shanghai_borrower: Debt,
) -> None:
    for hour in range(9, 15):
        call(shanghai_borrower, local(SHANGHAI, 2026, 4, 7, hour))
    home = Phone.objects.create(
        borrower=shanghai_borrower.borrower, number="+862161234567", type=Phone.Type.HOME, timezones=SHANGHAI
    )

    same_number = evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 7, 16))
    other_number = evaluate(phone=home, at=local(SHANGHAI, 2026, 4, 7, 16))

    assert same_number.codes == [ReasonCode.DAILY_UNANSWERED_CAP]
    assert same_number.next_allowed_at == local(SHANGHAI, 2026, 4, 8, 8)
    assert other_number.allowed
    assert other_number.attempts_left_today == 3


def test_the_day_counts_follow_shanghai_midnight_not_utc(shanghai_borrower: Debt) -> None:
    # 07:00 UTC is 15:00 in Shanghai; 17:00 UTC is already 01:00 the next day there
    for hour in (9, 10, 11):
        call(shanghai_borrower, local(SHANGHAI, 2026, 4, 7, hour), answered=True)

    assert not evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 7, 19, 59)).allowed
    assert evaluate(phone=shanghai_borrower.phone, at=local(SHANGHAI, 2026, 4, 8, 8)).allowed
