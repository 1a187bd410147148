"""The SMS provider's callbacks: signed (HMAC-SHA1 of the URL and the sorted parameters in
``X-Twilio-Signature``); a bad signature is 403 and changes nothing; a replayed one changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

import pytest

from collections_app.models import InboundMessage, Message
from collections_app.services.message_providers import twilio_signature
from collections_app.services.messages import message_create
from collections_app.tasks import message_send_task
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import CALLBACK_BASE, MORNING, window_open
from tests.messaging.stubs import TOKEN, SmsApi

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/integrations/sms/twilio/status/"
INBOUND = "/api/v1/integrations/sms/twilio/inbound/"


def sign(path: str, params: dict[str, str], token: str = TOKEN) -> str:
    """The signature as the provider computes it, written out here apart from the code under test."""
    text = CALLBACK_BASE + path + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def callback(client: Any, path: str, params: dict[str, str], signature: str | None = None) -> Any:
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=sign(path, params) if signature is None else signature,
    )


@pytest.fixture
def sent(debt: CaseDebt, sms_api: SmsApi) -> Message:
    message = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=MORNING).message
    message_send_task.delay(window_open(message).pk).get()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    return message


def status_params(message: Message, status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": message.provider_message_id or "", "MessageStatus": status, "AccountSid": "AC1", **extra}


def test_the_signature_is_the_providers(sms_api: SmsApi) -> None:
    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+12125550100"}
    signed = twilio_signature(token=TOKEN, url=CALLBACK_BASE + STATUS, params={k: [v] for k, v in params.items()})
    assert signed == sign(STATUS, params)


def test_a_signed_delivery_status_marks_the_message_delivered(client: Any, sent: Message) -> None:
    response = callback(client, STATUS, status_params(sent, "delivered"))

    assert response.status_code == 200 and response.json() == {"changed": True}
    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED and sent.delivered_at is not None


def test_a_replayed_status_callback_changes_nothing(client: Any, sent: Message) -> None:
    callback(client, STATUS, status_params(sent, "delivered"))
    sent.refresh_from_db()
    before = (sent.status, sent.delivered_at, sent.updated_at)

    again = callback(client, STATUS, status_params(sent, "delivered"))
    late = callback(client, STATUS, status_params(sent, "sent"))  # an earlier status arriving late

    assert again.json() == {"changed": False} and late.json() == {"changed": False}
    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at, sent.updated_at) == before


def test_an_undelivered_status_fails_the_message_with_the_providers_error(client: Any, sent: Message) -> None:
    callback(client, STATUS, status_params(sent, "undelivered", ErrorCode="30003"))

    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED and sent.failure_reason == "twilio: undelivered (error 30003)"


@pytest.mark.parametrize(
    "signature",
    [
        "",  # none
        "bm90IGEgc2lnbmF0dXJl",  # not this one
        "key",  # another token's
        "url",  # another URL's
        "params",  # other parameters'
    ],
)
def test_a_callback_with_a_bad_signature_is_403_and_changes_nothing(
    client: Any, sent: Message, signature: str
) -> None:
    params = status_params(sent, "delivered")
    forged = {
        "key": sign(STATUS, params, token="another-token"),
        "url": sign(INBOUND, params),
        "params": sign(STATUS, {**params, "MessageStatus": "failed"}),
    }.get(signature, signature)

    response = callback(client, STATUS, params, signature=forged)
    inbound = callback(client, INBOUND, {"MessageSid": "SM9", "From": sent.phone.number, "Body": "STOP"}, forged)

    assert response.status_code == 403 and inbound.status_code == 403
    assert response.json()["code"] == "not_authorized"
    sent.refresh_from_db()
    sent.phone.refresh_from_db()
    assert sent.status == Message.Status.SENT and not sent.phone.sms_opted_out
    assert not InboundMessage.objects.exists()


def test_a_callback_for_another_integration_is_404(client: Any, sent: Message) -> None:
    path = "/api/v1/integrations/sms/other/status/"
    response = callback(client, path, status_params(sent, "delivered"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_without_a_provider_that_calls_back_the_callbacks_are_404(client: Any, settings: Any) -> None:
    settings.MESSAGING_SMS_PROVIDER = "collections_app.services.message_providers.ConsoleProvider"
    settings.MESSAGING_SMS_INTEGRATION = "console"
    response = callback(client, "/api/v1/integrations/sms/console/status/", {"MessageSid": "SM1"})
    assert response.status_code == 404


def test_a_signed_callback_without_the_message_sid_is_400(client: Any, sent: Message) -> None:
    response = callback(client, STATUS, {"MessageStatus": "delivered"})
    assert response.status_code == 400 and "MessageSid" in response.json()["errors"]


def test_a_status_for_an_unknown_message_changes_nothing(client: Any, sent: Message) -> None:
    response = callback(client, STATUS, {"MessageSid": "SMunknown", "MessageStatus": "delivered"})
    assert response.json() == {"changed": False}
