"""An inbound STOP (or 退订) opts the number out of texts at once, on the register and audited: no later
text is allowed, and none already queued is sent after it. Other media are not affected."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEntry
from collections_app.models import ContactAttempt, DncEntry, InboundMessage, Message
from collections_app.services.messages import message_create
from collections_app.tasks import message_send_task
from config.pii import phone_index
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import MORNING, days, window_open
from tests.messaging.stubs import SmsApi
from tests.messaging.test_sms_callbacks import INBOUND, callback

pytestmark = pytest.mark.django_db


def text(debt: CaseDebt, at: Any = MORNING) -> Message:
    message = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=at).message
    return window_open(message) if message.status == Message.Status.QUEUED else message


def reply(client: Any, debt: CaseDebt, body: str, sid: str = "SMreply1") -> Any:
    params = {"MessageSid": sid, "From": debt.phone.number, "To": "+12125550199", "Body": body, "AccountSid": "AC1"}
    return callback(client, INBOUND, params)


@pytest.mark.parametrize("word", ["STOP", "stop", "退订", "TD", "Unsubscribe."])
def test_a_stop_reply_opts_the_number_out_of_texts_and_nothing_queued_is_sent_after_it(
    client: Any, debt: CaseDebt, sms_api: SmsApi, word: str
) -> None:
    # Given a text already queued (its task not yet run)
    queued = text(debt)

    # When the borrower replies with a STOP word
    response = reply(client, debt, word)

    # Then the provider is answered, the number is opted out of texts on the register, audited
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    debt.phone.refresh_from_db()
    assert debt.phone.sms_opted_out and not debt.phone.do_not_call
    entry = DncEntry.objects.get(type=DncEntry.Type.SMS_OPT_OUT, number_index=phone_index(debt.phone.number))
    assert entry.source == DncEntry.Source.REPLY and entry.active
    assert AuditEntry.objects.filter(action="dnc.sms_opt_out").count() == 1
    assert InboundMessage.objects.get().opt_out

    # And the queued text, when its task runs, is not sent: stopped, its reservation given back
    result = message_send_task.delay(queued.pk).get()
    queued.refresh_from_db()
    assert sms_api.posts == [] and result["sent"] is False
    assert queued.status == Message.Status.REFUSED and queued.failure_reason.startswith("sms_opt_out")
    assert queued.attempt is not None and queued.attempt.status == ContactAttempt.Status.NOT_DIALED
    assert AuditEntry.objects.filter(action="message.stopped").count() == 1

    # And every later text is refused by the engine, while e-mail is still allowed
    later = text(debt, at=MORNING + days(1))
    assert later.status == Message.Status.REFUSED and later.decision["reasons"][0]["code"] == "sms_opt_out"
    email = message_create(
        case=debt.case, template_code="pre_due_email", email=debt.borrower.emails.first(), at=MORNING + days(1)
    ).message
    assert email.status == Message.Status.QUEUED


def test_a_replayed_stop_reply_is_kept_once_and_audited_once(client: Any, debt: CaseDebt, sms_api: SmsApi) -> None:
    reply(client, debt, "STOP")
    again = reply(client, debt, "STOP")

    assert again.status_code == 200
    assert InboundMessage.objects.count() == 1
    assert AuditEntry.objects.filter(action="dnc.sms_opt_out").count() == 1


def test_another_reply_marks_the_text_it_answers_replied_and_opts_nothing_out(
    client: Any, debt: CaseDebt, sms_api: SmsApi
) -> None:
    sent = text(debt)
    message_send_task.delay(sent.pk).get()

    reply(client, debt, "I will pay on Friday")

    sent.refresh_from_db()
    debt.phone.refresh_from_db()
    assert sent.status == Message.Status.REPLIED and sent.replied_at is not None
    assert not debt.phone.sms_opted_out and not InboundMessage.objects.get().opt_out
    assert not DncEntry.objects.exists()


def test_a_stop_in_a_longer_reply_is_not_taken_as_an_opt_out(client: Any, debt: CaseDebt, sms_api: SmsApi) -> None:
    reply(client, debt, "退订了吗？我想还款")
    debt.phone.refresh_from_db()
    assert not debt.phone.sms_opted_out


def test_a_consent_withdrawn_or_a_cease_after_queueing_stops_the_text(debt: CaseDebt, sms_api: SmsApi) -> None:
    queued = text(debt)
    type(debt.phone).objects.filter(pk=debt.phone.pk).update(sms_consent=False)

    message_send_task.delay(queued.pk).get()

    queued.refresh_from_db()
    assert sms_api.posts == [] and queued.failure_reason.startswith("sms_consent_missing")
