"""The batch sender: the queued messages handed to their provider many at a time, by the single
sender's rules: each sent once, a transient provider error retried until the last try ends it
``failed`` with nothing lost, a message opted out before its batch stopped, the provider's messages
per second held, a retry after the worker died past the provider's answer sending nothing twice (the
message's idempotency key). Texts go to the stub of the Twilio-compatible API, e-mail to a real SMTP
server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from accounts.models import AuditEntry
from collections_app.models import ContactAttempt, Message
from collections_app.services.message_batch import messages_send_batch
from collections_app.services.message_providers import (
    FileProvider,
    Outgoing,
    ProviderError,
    SendResult,
    TwilioSmsProvider,
)
from collections_app.services.message_sending import inbound_record, message_send, provider_slots_take
from collections_app.services.messages import message_create
from collections_app.tasks import messages_send_after_commit, messages_send_batch_task
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import MORNING, texting_debt, window_open
from tests.messaging.stubs import SmsApi, SmtpServer
from tests.messaging.test_sending import FakeClock

pytestmark = pytest.mark.django_db


def texts(count: int) -> list[tuple[CaseDebt, Message]]:
    made = []
    for _ in range(count):
        debt = texting_debt()
        message = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING).message
        assert message.status == Message.Status.QUEUED
        made.append((debt, window_open(message)))
    return made


def test_a_batch_sends_each_queued_text_once_and_completes_its_attempt(
    sms_api: SmsApi, django_capture_on_commit_callbacks: Any
) -> None:
    made = texts(6)
    ids = [message.pk for _debt, message in made]

    with django_capture_on_commit_callbacks(execute=True):
        messages_send_after_commit(ids)
    again = messages_send_batch_task.delay(ids).get()  # a redelivery of the same batch

    assert sorted(post["To"] for post in sms_api.posts) == sorted(debt.phone.number for debt, _m in made)
    assert {post["Body"] for post in sms_api.posts} == {message.body for _d, message in made}
    for message in Message.objects.filter(pk__in=ids).select_related("attempt"):
        assert message.status == Message.Status.SENT and message.tries == 1 and message.sent_at is not None
        assert message.provider == "twilio" and message.provider_message_id.startswith("SM")
        assert message.attempt is not None and message.attempt.status == ContactAttempt.Status.COMPLETED
    assert again["sent"] == 0 and again["skipped"] == 6 and len(sms_api.posts) == 6


def test_a_batch_retries_a_500_and_then_sends(sms_api: SmsApi) -> None:
    made = texts(2)
    sms_api.answers = [500]

    result = messages_send_batch_task.delay([m.pk for _d, m in made]).get()

    assert [post["_status"] for post in sms_api.posts].count("201") == 2 and len(sms_api.posts) == 3
    assert result["sent"] == 2 and result["failed"] == 0
    tries = sorted(Message.objects.filter(pk__in=[m.pk for _d, m in made]).values_list("tries", flat=True))
    assert tries == [1, 2]
    assert set(Message.objects.values_list("failure_reason", flat=True)) == {""}


def test_a_provider_500_on_every_try_ends_each_text_failed_after_the_last_retry_with_nothing_lost(
    sms_api: SmsApi,
) -> None:
    made = texts(2)
    sms_api.answers = [500] * 20

    result = messages_send_batch_task.delay([m.pk for _d, m in made]).get()

    # The first try and the three retries of each (MESSAGING_SEND_MAX_RETRIES = 3), then failed
    assert len(sms_api.posts) == 8 and result["failed"] == 2 and result["sent"] == 0
    for message in Message.objects.filter(pk__in=[m.pk for _d, m in made]).select_related("attempt"):
        assert message.status == Message.Status.FAILED and message.tries == 4 and message.failed_at is not None
        assert message.failure_reason == "twilio: HTTP 500 20500 Internal Server Error" and message.body
        assert message.attempt is not None and message.attempt.status == ContactAttempt.Status.NOT_DIALED
    assert messages_send_batch_task.delay([m.pk for _d, m in made]).get()["sent"] == 0
    assert len(sms_api.posts) == 8


def test_a_number_opted_out_before_its_batch_is_not_sent_and_the_others_are(sms_api: SmsApi) -> None:
    (stopped_debt, stopped), (other_debt, other) = texts(2)
    inbound_record(
        integration="twilio", provider_message_id="SMstop1", from_number=stopped_debt.phone.number, body="退订"
    )

    result = messages_send_batch(message_ids=[stopped.pk, other.pk])

    assert [post["To"] for post in sms_api.posts] == [other_debt.phone.number]
    assert result.sent == [other.pk] and result.stopped == [stopped.pk]
    stopped.refresh_from_db()
    assert stopped.status == Message.Status.REFUSED and stopped.failure_reason.startswith("sms_opt_out")
    assert stopped.attempt is not None and stopped.attempt.status == ContactAttempt.Status.NOT_DIALED
    assert AuditEntry.objects.filter(action="message.stopped").count() == 1


def test_an_email_batch_goes_through_a_real_smtp_server(smtp: SmtpServer) -> None:
    debts = [texting_debt() for _ in range(3)]
    ids = []
    for debt in debts:
        email = debt.borrower.emails.get()
        message = message_create(case=debt.case, template_code="pre_due_email", email=email, at=MORNING).message
        ids.append(window_open(message).pk)

    result = messages_send_batch(message_ids=ids)

    assert len(result.sent) == 3
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(d.borrower.emails.get().address for d in debts)


def test_slots_are_taken_up_to_the_providers_messages_per_second() -> None:
    provider = FileProvider(channel="sms")
    provider.name = "slots-test"
    provider.rate_per_second = 3
    clock = FakeClock()
    granted = []
    left = 7
    while left:
        taken = provider_slots_take(provider, left, clock=clock, sleep=clock.sleep)
        granted.append((int(clock.now), taken))
        left -= taken
    # Three in the first second, three in the next, the last one in the third
    assert [taken for _second, taken in granted] == [3, 3, 1]
    assert len({second for second, _taken in granted}) == 3


def test_a_batch_holds_the_rate_per_second(sms_api: SmsApi, settings: Any) -> None:
    settings.MESSAGING_SMS_RATE_PER_SECOND = 2
    made = texts(5)

    messages_send_batch(message_ids=[m.pk for _d, m in made])

    per_second = Counter(int(float(post["_wall"])) for post in sms_api.posts)
    assert sum(per_second.values()) == 5
    assert sorted(per_second.values(), reverse=True) == [2, 2, 1], per_second  # three seconds of the clock


class WorkerLost(Exception):
    pass


class DiesAfterTheAnswer(TwilioSmsProvider):
    """The provider takes the texts, then the worker dies before their statuses are saved."""

    def send_many(self, outgoings: Sequence[Outgoing]) -> list[SendResult | ProviderError]:
        super().send_many(outgoings)
        raise WorkerLost("killed between the provider's answer and the save")

    def send(self, outgoing: Outgoing) -> SendResult:
        super().send(outgoing)
        raise WorkerLost("killed between the provider's answer and the save")


def test_a_batch_tried_again_after_its_worker_died_past_the_providers_answer_texts_nobody_twice(
    sms_api: SmsApi,
) -> None:
    made = texts(3)
    ids = [message.pk for _debt, message in made]
    with pytest.raises(WorkerLost):
        messages_send_batch(message_ids=ids, providers={"sms": DiesAfterTheAnswer(channel="sms")})
    assert Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).count() == 3  # nothing was saved
    first_sids = {post["To"]: answer["sid"] for post, answer in zip(sms_api.posts, sms_api.answered.values(), strict=True)}

    result = messages_send_batch(message_ids=ids)  # the task's retry

    assert sorted(result.sent) == sorted(ids)
    # Each borrower got one text, and the message keeps the provider's id of that text.
    assert Counter(post["To"] for post in sms_api.accepted) == Counter(debt.phone.number for debt, _m in made)
    assert len(sms_api.replays) == 3
    for debt, message in made:
        message.refresh_from_db()
        assert message.status == Message.Status.SENT and message.provider_message_id == first_sids[debt.phone.number]


def test_a_single_send_tried_again_after_its_worker_died_past_the_providers_answer_texts_once(
    sms_api: SmsApi,
) -> None:
    [(debt, message)] = texts(1)
    with pytest.raises(WorkerLost):
        message_send(message_id=message.pk, provider=DiesAfterTheAnswer(channel="sms"))

    outcome = message_send(message_id=message.pk)

    assert outcome.sent and [post["To"] for post in sms_api.accepted] == [debt.phone.number]
    assert len(sms_api.replays) == 1
