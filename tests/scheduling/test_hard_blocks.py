"""Hard blocks: requests, legal states and number flags that no hour of the day lifts."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import LoanAccount, Phone
from collections_app.services.attempts import attempt_reserve
from scheduling.engine import ReasonCode, evaluate
from scheduling.services.preferences import preference_update
from tests.scheduling.conftest import Debt, local, make_debt

NY = "America/New_York"
MORNING = (2026, 4, 7, 10, 0)
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", ["call", "sms", "email"])
def test_a_cease_request_blocks_every_channel_for_good(new_yorker: Debt, channel: str) -> None:
    # Given the borrower asked us to stop all communication
    preference_update(
        borrower=new_yorker.borrower,
        changes={"cease_communication": True, "cease_requested_at": local(NY, 2026, 4, 1, 12)},
    )

    # When anyone asks to contact them, on any channel
    phone = None if channel == "email" else new_yorker.phone
    decision = evaluate(phone=phone, account=new_yorker.account, channel=channel, at=local(NY, *MORNING))

    # Then it is refused with no next time
    assert not decision.allowed
    assert ReasonCode.CEASE in decision.codes
    assert decision.next_allowed_at is None
    assert decision.attempts_left_today == 0


def test_a_cease_request_refuses_the_reservation_and_records_nothing(new_yorker: Debt) -> None:
    preference_update(borrower=new_yorker.borrower, changes={"cease_communication": True})

    decision, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, *MORNING), source="dialer")

    assert decision.codes == [ReasonCode.CEASE]
    assert attempt is None
    assert not new_yorker.account.contact_attempts.exists()


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda d: Phone.objects.filter(pk=d.phone.pk).update(do_not_call=True), ReasonCode.DO_NOT_CALL),
        (lambda d: Phone.objects.filter(pk=d.phone.pk).update(uncallable=True), ReasonCode.NUMBER_UNCALLABLE),
        (
            lambda d: type(d.borrower).objects.filter(pk=d.borrower.pk).update(deceased=True),
            ReasonCode.DECEASED,
        ),
        (
            lambda d: type(d.borrower).objects.filter(pk=d.borrower.pk).update(bankruptcy=True),
            ReasonCode.BANKRUPTCY,
        ),
        (
            lambda d: type(d.borrower).objects.filter(pk=d.borrower.pk).update(attorney_represented=True),
            ReasonCode.ATTORNEY,
        ),
        (
            lambda d: preference_update(borrower=d.borrower, changes={"dispute_hold_accounts": [d.account.pk]}),
            ReasonCode.DISPUTE,
        ),
        (
            lambda d: LoanAccount.objects.filter(pk=d.account.pk).update(status=LoanAccount.Status.PAID_OFF),
            ReasonCode.ACCOUNT_CLOSED,
        ),
    ],
    ids=["do not call", "uncallable", "deceased", "bankruptcy", "attorney", "dispute", "paid off"],
)
def test_hard_blocks_refuse_with_no_next_time(new_yorker: Debt, setup: object, code: str) -> None:
    setup(new_yorker)  # type: ignore[operator]
    new_yorker.account.refresh_from_db()

    decision = evaluate(phone=Phone.objects.get(pk=new_yorker.phone.pk), at=local(NY, *MORNING))

    assert decision.codes == [code]
    assert decision.next_allowed_at is None


def test_breathing_space_ends_the_morning_after_its_last_day(new_yorker: Debt) -> None:
    preference_update(borrower=new_yorker.borrower, changes={"breathing_space_until": dt.date(2026, 4, 20)})

    decision = evaluate(phone=new_yorker.phone, at=local(NY, *MORNING))

    assert decision.codes == [ReasonCode.BREATHING_SPACE]
    assert decision.next_allowed_at == local(NY, 2026, 4, 21, 8)


def test_a_dialer_may_not_call_a_mobile_without_autodialer_consent_but_an_agent_may(presets: None) -> None:
    debt = make_debt(autodialer_consent=False)

    by_dialer = evaluate(phone=debt.phone, at=local(NY, *MORNING), source="dialer")
    by_agent = evaluate(phone=debt.phone, at=local(NY, *MORNING), source="agent")

    assert by_dialer.codes == [ReasonCode.NO_AUTODIALER_CONSENT]
    assert by_dialer.next_allowed_at is None
    assert by_agent.allowed


def test_a_third_party_number_is_refused_unless_they_may_be_contacted(presets: None) -> None:
    debt = make_debt(owner=Phone.Owner.THIRD_PARTY, third_party_relation="employer")

    assert evaluate(phone=debt.phone, at=local(NY, *MORNING)).codes == [ReasonCode.THIRD_PARTY]
    Phone.objects.filter(pk=debt.phone.pk).update(third_party_may_contact=True)
    assert evaluate(phone=Phone.objects.get(pk=debt.phone.pk), at=local(NY, *MORNING)).allowed


def test_a_borrower_who_asked_not_to_be_called_at_work_is_not_called_on_a_work_phone(presets: None) -> None:
    debt = make_debt(phone_type=Phone.Type.WORK)
    preference_update(borrower=debt.borrower, changes={"no_work_calls": True})
    mobile = Phone.objects.create(borrower=debt.borrower, number="+12125559999", timezones=NY)

    assert evaluate(phone=debt.phone, at=local(NY, *MORNING)).codes == [ReasonCode.NO_WORK_CALLS]
    assert evaluate(phone=mobile, at=local(NY, *MORNING)).allowed


def test_a_borrower_without_a_policy_for_their_country_is_not_contacted(presets: None) -> None:
    debt = make_debt(country="FR", region="", timezone="Europe/Paris", phone_zones="Europe/Paris")

    decision = evaluate(phone=debt.phone, at=local("Europe/Paris", *MORNING))

    assert decision.codes == [ReasonCode.NO_POLICY]
    assert decision.next_allowed_at is None


def test_a_call_without_a_number_or_an_instant_without_a_zone_is_a_malformed_question(
    new_yorker: Debt,
) -> None:
    from config.errors import DomainError

    with pytest.raises(DomainError) as no_phone:
        evaluate(phone=None, account=new_yorker.account, channel="call", at=local(NY, *MORNING))
    with pytest.raises(DomainError) as naive:
        evaluate(phone=new_yorker.phone, at=dt.datetime(2026, 4, 7, 10))

    assert "phone" in no_phone.value.errors
    assert "at" in naive.value.errors
