"""US Reg F frequency: 7 call attempts per debt in 7 consecutive days, and the cool-down."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.models import ContactAttempt
from collections_app.services.attempts import attempt_release, attempt_reserve
from scheduling.engine import ReasonCode, evaluate
from scheduling.services.preferences import preference_update
from tests.scheduling.conftest import Debt, call, local

NY = "America/New_York"
pytestmark = pytest.mark.django_db


def test_it_refuses_the_eighth_attempt_in_seven_days_until_the_first_drops_out(new_yorker: Debt) -> None:
    # Given seven calls, one a day from Monday 6 April to Sunday 12 April
    for day in range(6, 13):
        call(new_yorker, local(NY, 2026, 4, day, 10))

    # When an agent asks for an eighth on Sunday afternoon
    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 12, 15))

    # Then it is refused until Monday 08:00, when the 6 April call leaves the seven days
    assert not decision.allowed
    assert decision.codes == [ReasonCode.WEEKLY_CAP]
    assert decision.next_allowed_at == local(NY, 2026, 4, 13, 8)
    assert decision.attempts_left_week == 0
    assert evaluate(phone=new_yorker.phone, at=decision.next_allowed_at).allowed


def test_seven_attempts_in_one_day_block_the_debt_for_the_next_six_days(new_yorker: Debt) -> None:
    for minute in range(0, 56, 8):
        call(new_yorker, local(NY, 2026, 4, 6, 9, minute))

    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 10, 12))

    assert decision.codes == [ReasonCode.WEEKLY_CAP]
    assert decision.next_allowed_at == local(NY, 2026, 4, 13, 8)


def test_a_call_the_day_after_a_conversation_is_refused_until_day_eight(new_yorker: Debt) -> None:
    # Given a conversation about the debt on Monday 6 April (day 1)
    call(new_yorker, local(NY, 2026, 4, 6, 10), conversation=True)

    # When the agent tries again on the next day, and on the evening of day 7
    next_day = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    day_seven = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 12, 20, 59))

    # Then both are refused, and calls resume on day 8 (13 April) when the window opens
    assert next_day.codes == [ReasonCode.COOL_DOWN]
    assert next_day.next_allowed_at == local(NY, 2026, 4, 13, 8)
    assert day_seven.codes == [ReasonCode.COOL_DOWN]
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 13, 8)).allowed


def test_an_inbound_conversation_starts_the_cool_down_but_inbound_calls_are_not_attempts(
    new_yorker: Debt,
) -> None:
    # Given seven inbound calls without a conversation, then one with a conversation
    for hour in range(9, 16):
        ContactAttempt.objects.create(
            account=new_yorker.account,
            phone=new_yorker.phone,
            direction=ContactAttempt.Direction.INBOUND,
            placed_at=local(NY, 2026, 4, 6, hour),
            status=ContactAttempt.Status.COMPLETED,
        )
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 17)).allowed
    ContactAttempt.objects.create(
        account=new_yorker.account,
        phone=new_yorker.phone,
        direction=ContactAttempt.Direction.INBOUND,
        placed_at=local(NY, 2026, 4, 6, 17, 30),
        answered_at=local(NY, 2026, 4, 6, 17, 30),
        conversation=True,
        status=ContactAttempt.Status.COMPLETED,
    )

    # When the agent calls back the next morning
    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 9))

    # Then the conversation's cool-down applies
    assert decision.codes == [ReasonCode.COOL_DOWN]
    assert decision.next_allowed_at == local(NY, 2026, 4, 13, 8)


def test_calls_that_did_not_connect_do_not_count(new_yorker: Debt) -> None:
    for hour in range(9, 16):
        call(new_yorker, local(NY, 2026, 4, 6, hour), disposition="busy")

    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 17))

    assert decision.allowed
    assert decision.attempts_left_week == 7


def test_a_released_reservation_stops_counting_but_an_unreported_one_counts(new_yorker: Debt) -> None:
    # Given six reported calls and one reservation the dialer never reported
    for hour in range(9, 15):
        call(new_yorker, local(NY, 2026, 4, 6, hour))
    _, pending = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 15), source="dialer")
    assert pending is not None
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 16)).codes == [ReasonCode.WEEKLY_CAP]

    # When the dialer says it was not dialed
    attempt_release(pending, outcome="not_dialed")

    # Then one attempt is left again
    decision = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 16))
    assert decision.allowed
    assert decision.attempts_left_week == 1


def test_calls_with_direct_prior_consent_are_allowed_past_the_caps_and_do_not_count(new_yorker: Debt) -> None:
    # Given a conversation on 6 April (a cool-down until 13 April) in which the borrower asks for a call back
    call(new_yorker, local(NY, 2026, 4, 6, 9), conversation=True)
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 18)).codes == [ReasonCode.COOL_DOWN]
    preference_update(
        borrower=new_yorker.borrower, changes={"direct_consent_at": local(NY, 2026, 4, 6, 9, 5)}
    )

    # When the agent calls back two days later
    decision, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 18))

    # Then the call is allowed, marked as made with consent, and does not count toward the seven
    assert decision.allowed and decision.direct_prior_consent
    assert attempt is not None and attempt.direct_prior_consent
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 8, 19)).attempts_left_week == 6
    # And once the consent is seven days old the ordinary rules decide again
    after = evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 13, 9, 10))
    assert after.allowed and not after.direct_prior_consent


def test_the_attempts_of_another_debt_of_the_same_borrower_do_not_count(new_yorker: Debt) -> None:
    from tests.factories import LoanFactory

    other = LoanFactory(borrower=new_yorker.borrower)
    for hour in range(9, 16):
        decision, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, hour), account=other)
        assert attempt is not None

    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 17), account=other).codes == [
        ReasonCode.WEEKLY_CAP
    ]
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 17), account=new_yorker.account).allowed


def test_the_decision_that_allowed_a_call_is_stored_with_it(new_yorker: Debt) -> None:
    decision, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 10), external_id="dialer-1")

    assert attempt is not None
    assert attempt.status == ContactAttempt.Status.RESERVED
    assert attempt.decision["allowed"] is True
    assert attempt.decision["policy"]["name"] == "US Reg F"
    assert attempt.policy_version == 1
    assert attempt.expires_at == local(NY, 2026, 4, 6, 10) + dt.timedelta(minutes=2)
    # And the same dialer call id again gives the same attempt
    again, same = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 6, 10, 1), external_id="dialer-1")
    assert same == attempt and again.allowed
    assert ContactAttempt.objects.count() == 1
