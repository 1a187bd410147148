"""Sending: a Celery task after the commit hands each queued message to its provider once, retries the
provider's errors with backoff and ends ``failed`` with the reason after the last retry.

Texts go to a stub of the Twilio-compatible API over HTTP, e-mail through a real SMTP server; both
run on the loopback for the test."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from collections_app.models import ContactAttempt, Message
from collections_app.services.message_providers import ConsoleProvider, FileProvider, Outgoing, provider_for
from collections_app.services.message_sending import message_send, provider_slot_take
from collections_app.services.messages import message_create
from collections_app.tasks import message_send_task, messages_requeue_task, messages_send_after_commit
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import CALLBACK_BASE, MORNING, SENDER, texting_debt, window_open
from tests.messaging.stubs import SmsApi, SmtpServer

pytestmark = pytest.mark.django_db


def queued_text(debt: CaseDebt) -> Message:
    decided = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING)
    assert decided.message.status == Message.Status.QUEUED
    return window_open(decided.message)


def queued_email(debt: CaseDebt) -> Message:
    email = debt.borrower.emails.first()
    decided = message_create(case=debt.case, template_code="pre_due_email", email=email, at=MORNING)
    assert decided.message.status == Message.Status.QUEUED
    return window_open(decided.message)


def test_a_text_is_sent_only_after_the_commit_and_once_even_if_the_task_runs_twice(
    debt: CaseDebt, sms_api: SmsApi, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a text queued in a transaction, and its sending asked for in the same transaction
    with django_capture_on_commit_callbacks(execute=False) as pending:
        message = queued_text(debt)
        messages_send_after_commit([message.pk])
    # Then nothing left before the commit
    assert len(pending) == 1 and sms_api.posts == []

    # When the transaction commits and the task runs, and then runs again (a redelivery)
    pending[0]()
    again = message_send_task.delay(message.pk).get()

    # Then the provider got one text, with the number, the sender, the text and the status callback
    assert len(sms_api.posts) == 1
    post = sms_api.posts[0]
    assert post["To"] == debt.phone.number and post["From"] == SENDER and post["Body"] == message.body
    assert post["StatusCallback"] == f"{CALLBACK_BASE}/api/v1/integrations/sms/twilio/status/"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.sent_at is not None
    assert message.provider == "twilio" and message.provider_message_id.startswith("SM") and message.tries == 1
    assert message.attempt is not None and message.attempt.status == ContactAttempt.Status.COMPLETED
    assert again == {"status": "sent", "sent": False, "reason": ""}


def test_a_provider_500_is_retried_and_the_text_then_sent(debt: CaseDebt, sms_api: SmsApi) -> None:
    message = queued_text(debt)
    sms_api.answers = [500, 503]

    result = message_send_task.delay(message.pk).get()

    assert [post["_status"] for post in sms_api.posts] == ["500", "503", "201"]
    message.refresh_from_db()
    assert result["sent"] and message.status == Message.Status.SENT and message.tries == 3
    assert message.failure_reason == ""


def test_a_provider_500_on_every_try_ends_failed_with_the_reason_after_the_last_retry(
    debt: CaseDebt, sms_api: SmsApi
) -> None:
    message = queued_text(debt)
    sms_api.answers = [500] * 10

    result = message_send_task.delay(message.pk).get()

    # The first try and the three retries, then failed; the message and its text are kept
    assert len(sms_api.posts) == 4
    message.refresh_from_db()
    assert result == {"status": "failed", "sent": False, "reason": message.failure_reason}
    assert message.status == Message.Status.FAILED and message.tries == 4 and message.failed_at is not None
    assert message.failure_reason == "twilio: HTTP 500 20500 Internal Server Error"
    assert message.body and message.provider_message_id is None
    # It did not reach the borrower: its reservation stops counting
    assert message.attempt is not None and message.attempt.status == ContactAttempt.Status.NOT_DIALED
    # A later run sends nothing more
    assert message_send_task.delay(message.pk).get()["sent"] is False and len(sms_api.posts) == 4


def test_a_number_the_provider_refuses_fails_at_once_without_retrying(debt: CaseDebt, sms_api: SmsApi) -> None:
    message = queued_text(debt)
    sms_api.answers = [400]

    message_send_task.delay(message.pk).get()

    message.refresh_from_db()
    assert len(sms_api.posts) == 1 and message.status == Message.Status.FAILED and message.tries == 1
    assert message.failure_reason.startswith("twilio: HTTP 400")


def test_a_kept_alive_connection_the_provider_closed_is_made_again_and_each_text_sent_once(
    sms_api: SmsApi,
) -> None:
    sms_api.hang_up = True
    debts = [texting_debt() for _ in range(3)]

    outcomes = [message_send(message_id=queued_text(debt).pk) for debt in debts]  # one thread: one connection

    assert all(outcome.sent for outcome in outcomes)
    assert [post["To"] for post in sms_api.posts] == [debt.phone.number for debt in debts]


def test_a_wrong_auth_token_fails_the_text_with_the_providers_answer(
    debt: CaseDebt, sms_api: SmsApi, settings: Any
) -> None:
    settings.MESSAGING_SMS_AUTH_TOKEN = "not-the-token"
    message = queued_text(debt)

    message_send_task.delay(message.pk).get()

    message.refresh_from_db()
    assert sms_api.posts == [] and message.status == Message.Status.FAILED
    assert message.failure_reason == "twilio: HTTP 401 20003 Authenticate"


def test_an_email_goes_through_a_real_smtp_server(debt: CaseDebt, smtp: SmtpServer) -> None:
    message = queued_email(debt)

    message_send_task.delay(message.pk).get()

    assert len(smtp.received) == 1
    received = smtp.received[0]
    email = debt.borrower.emails.get()
    assert received.recipients == [email.address] and received.sender == "collections@lender.example"
    mail = received.message
    assert mail["Subject"] == message.subject and mail["To"] == email.address
    text = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    assert text.replace("\r\n", "\n").strip() == message.body.strip() and "UNSUBSCRIBE" in text
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider == "email"
    assert f"<{message.provider_message_id}>" == mail["Message-ID"]


def test_a_temporary_smtp_refusal_is_retried_and_a_permanent_one_fails(
    debt: CaseDebt, smtp: SmtpServer
) -> None:
    # A 451 on the first try: sent on the retry
    message = queued_email(debt)
    smtp.rcpt_replies = ["451 4.7.1 Try again later"]
    message_send_task.delay(message.pk).get()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.tries == 2 and len(smtp.received) == 1

    # A 550: failed at once, with the server's answer
    message.status = Message.Status.QUEUED
    message.save(update_fields=["status"])
    smtp.rcpt_replies = ["550 5.1.1 No such user"]
    message_send_task.delay(message.pk).get()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.failure_reason == "smtp: recipient refused [550]"
    assert len(smtp.received) == 1


def test_an_smtp_server_that_is_not_there_is_a_transient_failure(
    debt: CaseDebt, smtp: SmtpServer, settings: Any
) -> None:
    settings.EMAIL_PORT = 9  # nothing listens on discard
    message = queued_email(debt)

    message_send_task.delay(message.pk).get()

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.tries == 4
    assert message.failure_reason.startswith("smtp: ConnectionRefusedError")


def test_the_file_provider_writes_one_json_line_per_message(debt: CaseDebt, settings: Any, tmp_path: Path) -> None:
    settings.MESSAGING_SMS_PROVIDER = "collections_app.services.message_providers.FileProvider"
    settings.MESSAGING_FILE_PATH = str(tmp_path / "out" / "messages.jsonl")
    message = queued_text(debt)

    message_send_task.delay(message.pk).get()

    lines = (tmp_path / "out" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    written = json.loads(lines[0])
    message.refresh_from_db()
    assert len(lines) == 1 and written["to"] == debt.phone.number and written["body"] == message.body
    assert written["provider_message_id"] == message.provider_message_id and message.provider == "file"


def test_the_console_provider_prints_the_message() -> None:
    out = io.StringIO()
    result = ConsoleProvider(channel="sms", stream=out).send(
        Outgoing(message_id=1, channel="sms", to="+12125550100", body="Hi. Reply STOP to opt out.")
    )
    assert result.provider_message_id in out.getvalue() and "Reply STOP to opt out." in out.getvalue()


def test_the_settings_choose_the_provider_of_each_channel(settings: Any) -> None:
    settings.MESSAGING_SMS_PROVIDER = "collections_app.services.message_providers.FileProvider"
    settings.MESSAGING_EMAIL_PROVIDER = "collections_app.services.message_providers.DjangoEmailProvider"
    assert isinstance(provider_for("sms"), FileProvider)
    assert provider_for("email").name == "email"


def test_a_message_no_longer_queued_is_not_sent(debt: CaseDebt, sms_api: SmsApi) -> None:
    message = queued_text(debt)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED)
    assert message_send(message_id=message.pk).sent is False
    assert message_send(message_id=10**9).sent is False
    assert sms_api.posts == []


def test_a_text_whose_window_closed_while_it_waited_is_not_sent(debt: CaseDebt, sms_api: SmsApi) -> None:
    # Given a text allowed at 10:00 in New York on 7 April 2026, its window closing at 21:00 that day
    decided = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING)
    assert decided.decision.window_closes_at is not None and decided.decision.window_closes_at < timezone.now()

    # When its sender runs only after the window closed (a queue that waited, retries that took long)
    result = message_send_task.delay(decided.message.pk).get()

    # Then it is not sent: refused with the reason, its reservation given back
    message = Message.objects.get(pk=decided.message.pk)
    assert sms_api.posts == [] and result["reason"] == "outside_window"
    assert message.status == Message.Status.REFUSED and message.failure_reason.startswith("outside_window")
    assert message.attempt is not None and message.attempt.status == ContactAttempt.Status.NOT_DIALED


def test_a_queued_text_no_sender_took_up_is_sent_by_the_periodic_sweep(debt: CaseDebt, sms_api: SmsApi) -> None:
    # Given a text queued a while ago whose sending never reached a worker (the broker was down)
    stranded = queued_text(debt)
    Message.objects.filter(pk=stranded.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=20))
    recent = window_open(
        message_create(case=debt.case, template_code="pre_due_email", email=debt.borrower.emails.first(), at=MORNING)
        .message
    )

    # When the sweep runs
    requeued = messages_requeue_task.delay().get()

    # Then the stranded one is sent; the recent one is left to its own sender
    assert requeued == 1 and len(sms_api.posts) == 1
    assert Message.objects.get(pk=stranded.pk).status == Message.Status.SENT
    assert Message.objects.get(pk=recent.pk).status == Message.Status.QUEUED


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.25
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_rate_limit_holds_each_second_to_the_providers_messages_per_second() -> None:
    provider = FileProvider(channel="sms")
    provider.name = "rate-test"
    provider.rate_per_second = 3
    clock = FakeClock()
    seconds = []
    for _ in range(7):
        provider_slot_take(provider, clock=clock, sleep=clock.sleep)
        seconds.append(int(clock.now))
    # Three in the first second, three in the next, the seventh in the third
    assert [seconds.count(s) for s in sorted(set(seconds))] == [3, 3, 1]
    assert clock.slept == [pytest.approx(0.75), pytest.approx(1.0)]
