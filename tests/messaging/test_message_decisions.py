"""The engine decides every message with the channel's rules, and the decision is stored with it."""

from __future__ import annotations

import pytest

from accounts.models import EmailAddress, Phone
from collections_app.models import ContactAttempt, Message
from collections_app.services.dnc import dnc_medium_opt_out_record
from collections_app.services.messages import message_create
from config.errors import DomainError
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import MORNING, NIGHT, days, texting_debt

pytestmark = pytest.mark.django_db


def send(debt: CaseDebt, at=MORNING, template: str = "pre_due_sms", **kwargs):  # type: ignore[no-untyped-def]
    if template.endswith("_email"):
        kwargs.setdefault("email", debt.borrower.emails.first())
    else:
        kwargs.setdefault("phone", debt.phone)
    return message_create(case=debt.case, template_code=template, at=at, **kwargs)


def test_a_text_at_night_is_refused_with_the_next_allowed_time_and_the_refusal_is_kept(debt: CaseDebt) -> None:
    decided = send(debt, at=NIGHT)
    assert not decided.allowed
    assert decided.decision.codes == ["outside_window"]
    assert decided.decision.next_allowed_at == MORNING.replace(hour=12) + days(1)  # 08:00 the next day in New York
    stored = Message.objects.get()
    assert stored.status == Message.Status.REFUSED and stored.attempt is None
    assert stored.decision["reasons"][0]["code"] == "outside_window"
    assert stored.decision["next_allowed_at"].startswith("2026-04-08T12:00")
    assert not ContactAttempt.objects.exists()


def test_an_allowed_text_is_queued_with_its_attempt_and_its_text(debt: CaseDebt) -> None:
    decided = send(debt)
    message = decided.message
    assert message.status == Message.Status.QUEUED
    assert message.attempt is not None and message.attempt.channel == "sms"
    assert message.decision["allowed"] is True
    assert "Reply STOP to opt out." in message.body and debt.account.external_id in message.body
    assert message.segments in (1, 2)


def test_one_text_a_day_and_three_in_seven_days_per_debt(debt: CaseDebt) -> None:
    assert send(debt).allowed
    second = send(debt, at=MORNING + days(0.1))
    assert not second.allowed and second.decision.codes == ["daily_cap"]
    assert send(debt, at=MORNING + days(1)).allowed
    assert send(debt, at=MORNING + days(2)).allowed
    fourth = send(debt, at=MORNING + days(3))
    assert fourth.decision.codes == ["weekly_cap"]
    assert fourth.decision.next_allowed_at is not None
    assert send(debt, at=MORNING + days(7)).allowed
    # a call is counted apart: texts do not use up the call cap
    assert ContactAttempt.objects.filter(channel="call").count() == 0


def test_texts_need_the_numbers_consent_and_a_mobile(debt: CaseDebt) -> None:
    Phone.objects.filter(pk=debt.phone.pk).update(sms_consent=False)
    debt.phone.refresh_from_db()
    assert send(debt).decision.codes == ["no_sms_consent"]
    Phone.objects.filter(pk=debt.phone.pk).update(sms_consent=True, type="home")
    debt.phone.refresh_from_db()
    assert send(debt).decision.codes == ["not_a_mobile"]


def test_an_sms_opt_out_stops_texts_but_not_calls_or_email(debt: CaseDebt) -> None:
    dnc_medium_opt_out_record(number=debt.phone.number, reason="STOP")
    debt.phone.refresh_from_db()
    assert send(debt).decision.codes == ["sms_opt_out"]
    assert send(debt, template="pre_due_email").allowed


def test_email_only_to_an_address_the_borrower_gave_and_not_after_an_opt_out(debt: CaseDebt) -> None:
    found = EmailAddress.objects.create(borrower=debt.borrower, address="found@example.com", source="other", consent=True)
    assert send(debt, template="pre_due_email", email=found).decision.codes == ["email_not_permitted"]
    given = debt.borrower.emails.get(source="borrower")
    dnc_medium_opt_out_record(email=given.address)
    assert send(debt, template="pre_due_email", email=given).decision.codes == ["email_opt_out"]


def test_hard_blocks_hold_for_messages_as_for_calls(debt: CaseDebt) -> None:
    type(debt.borrower).objects.filter(pk=debt.borrower.pk).update(attorney_represented=True)
    assert "attorney" in send(debt).decision.codes


def test_the_same_idempotency_key_returns_the_first_message(debt: CaseDebt) -> None:
    first = send(debt, idempotency_key="k-1")
    again = send(debt, idempotency_key="k-1", at=MORNING + days(0.01))
    assert again.message.pk == first.message.pk and not again.created
    assert Message.objects.count() == 1 and ContactAttempt.objects.count() == 1


def test_a_phone_of_another_borrower_is_refused_and_nothing_is_written(debt: CaseDebt) -> None:
    other = texting_debt()
    with pytest.raises(DomainError):
        send(debt, phone=other.phone)
    assert not Message.objects.exists()


def test_the_borrowers_language_picks_the_template(db: None) -> None:
    debt = texting_debt()
    type(debt.borrower).objects.filter(pk=debt.borrower.pk).update(language="zh-Hans")
    debt.case.account.borrower.refresh_from_db()
    message = send(debt).message
    assert message.language == "zh-hans" and "回复TD退订" in message.body and message.body.startswith("【")
