"""Sending under races, on PostgreSQL's row locks: two senders of one message send it once (single or
batch senders, mixed); a STOP that arrives while a text is with the provider (alone or in a batch)
waits for it, and no text queued behind it is sent; the task
in a real Celery worker retries the provider's 500 after its backoff and sends once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from accounts.models import Phone
from collections_app.models import Message
from collections_app.services.message_batch import BatchSent, messages_send_batch
from collections_app.services.message_sending import SendOutcome, inbound_record, message_send
from collections_app.services.messages import message_create
from collections_app.tasks import message_send_task
from tests.messaging import stubs
from tests.messaging.conftest import MORNING, PROVIDERS, SENDER, days, texting_debt, window_open
from tests.messaging.stubs import SmsApi

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def queued(debt: Any, at: Any = MORNING) -> Message:
    message = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=at).message
    assert message.status == Message.Status.QUEUED
    return window_open(message)


def in_thread(target: Any, results: list[Any], failures: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_senders_of_one_message_at_once_send_it_once(sms_api: SmsApi) -> None:
    debt = texting_debt()
    message = queued(debt)
    sms_api.delay = 0.5  # the first sender holds the message while the provider answers
    results: list[SendOutcome] = []
    failures: list[BaseException] = []

    threads = [in_thread(lambda: message_send(message_id=message.pk), results, failures) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=30)

    assert not failures, failures
    assert len(sms_api.posts) == 1
    assert sorted(outcome.sent for outcome in results) == [False, True]
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT


def test_a_stop_while_a_text_is_with_the_provider_waits_for_it_and_the_next_text_is_not_sent(
    sms_api: SmsApi,
) -> None:
    debt = texting_debt()
    first, second = queued(debt), queued(debt, at=MORNING + days(1))
    sms_api.delay = 1.0
    results: list[SendOutcome] = []
    failures: list[BaseException] = []

    # The first text is with the provider (its sender holds the phone's row)...
    sender = in_thread(lambda: message_send(message_id=first.pk), results, failures)
    assert sms_api.arrived.wait(timeout=10)
    # ...when the STOP arrives: it waits for that sender to finish
    started = time.monotonic()
    inbound_record(integration="twilio", provider_message_id="SMstop", from_number=debt.phone.number, body="STOP")
    waited = time.monotonic() - started
    sender.join(timeout=30)

    assert not failures, failures
    assert results[0].sent and waited > 0.5
    assert Phone.objects.get(pk=debt.phone.pk).sms_opted_out
    # The text queued behind the STOP is not sent
    assert message_send(message_id=second.pk).reason == "sms_opt_out"
    assert len(sms_api.posts) == 1
    assert Message.objects.get(pk=first.pk).status == Message.Status.REPLIED  # the STOP answered it
    assert Message.objects.get(pk=second.pk).status == Message.Status.REFUSED


def test_batch_senders_and_a_single_sender_of_the_same_texts_at_once_send_each_once(sms_api: SmsApi) -> None:
    messages = [queued(texting_debt()) for _ in range(8)]
    ids = [m.pk for m in messages]
    sms_api.delay = 0.2
    results: list[Any] = []
    failures: list[BaseException] = []

    threads = [in_thread(lambda: messages_send_batch(message_ids=ids), results, failures) for _ in range(2)]
    threads.append(in_thread(lambda: message_send(message_id=ids[3]), results, failures))
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert len(sms_api.posts) == 8 and len({post["To"] for post in sms_api.posts}) == 8
    assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Message.Status.SENT}
    batches = [r for r in results if isinstance(r, BatchSent)]
    assert sum(len(b.sent) for b in batches) + sum(1 for r in results if isinstance(r, SendOutcome) and r.sent) == 8


def test_a_stop_while_a_batch_is_with_the_provider_waits_for_it_and_the_next_text_is_not_sent(
    sms_api: SmsApi,
) -> None:
    debt = texting_debt()
    others = [queued(texting_debt()) for _ in range(3)]
    first, second = queued(debt), queued(debt, at=MORNING + days(1))
    sms_api.delay = 1.0
    results: list[Any] = []
    failures: list[BaseException] = []

    # A batch with the first text is with the provider...
    sender = in_thread(lambda: messages_send_batch(message_ids=[first.pk, *(m.pk for m in others)]), results, failures)
    assert sms_api.arrived.wait(timeout=10)
    # ...when the STOP arrives: it waits for the batch to finish
    started = time.monotonic()
    inbound_record(integration="twilio", provider_message_id="SMstop2", from_number=debt.phone.number, body="STOP")
    waited = time.monotonic() - started
    sender.join(timeout=30)

    assert not failures, failures
    assert len(results[0].sent) == 4 and waited > 0.5
    # The text queued behind the STOP is not sent by the next batch
    later = messages_send_batch(message_ids=[second.pk])
    assert later.stopped == [second.pk] and len(sms_api.posts) == 4
    assert Message.objects.get(pk=first.pk).status == Message.Status.REPLIED
    assert Message.objects.get(pk=second.pk).status == Message.Status.REFUSED


def test_in_a_real_worker_a_500_is_retried_after_the_backoff_and_the_text_sent_once(celery_workers: Any) -> None:
    with stubs.sms_api() as api:
        celery_workers.start(
            environment={
                "MESSAGING_SMS_PROVIDER": f"{PROVIDERS}.TwilioSmsProvider",
                "MESSAGING_SMS_API_URL": api.url,
                "MESSAGING_SMS_ACCOUNT_SID": stubs.SID,
                "MESSAGING_SMS_AUTH_TOKEN": stubs.TOKEN,
                "MESSAGING_SMS_FROM": SENDER,
                "MESSAGING_SEND_MAX_RETRIES": "2",
                "MESSAGING_RETRY_SECONDS": "1",
            }
        )
        debt = texting_debt()
        message = queued(debt)
        api.answers = [500]

        started = time.monotonic()
        first = message_send_task.apply_async(args=[message.pk], queue=celery_workers.queue)
        answer = first.get(timeout=90)
        twice = message_send_task.apply_async(args=[message.pk], queue=celery_workers.queue).get(timeout=90)

    assert answer == {"status": "sent", "sent": True, "reason": ""}
    assert twice["sent"] is False
    assert [post["_status"] for post in api.posts] == ["500", "201"]
    assert float(api.posts[1]["_at"]) - float(api.posts[0]["_at"]) >= 0.9  # the backoff
    assert time.monotonic() - started >= 1
    stored = Message.objects.get(pk=message.pk)
    assert stored.status == Message.Status.SENT and stored.tries == 2 and stored.provider == "twilio"
