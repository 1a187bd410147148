"""The e-mail's unsubscribe link: every e-mail carries a signed one-click link (List-Unsubscribe,
RFC 8058); following it opts the address out at once (a GET only asks), a repeat changes nothing, a
token that is not ours is 404 and changes nothing, and no later e-mail goes to that address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import EmailAddress
from collections_app.models import DncEntry, Message
from collections_app.services.message_unsubscribe import unsubscribe_token
from collections_app.services.messages import message_create
from collections_app.tasks import message_send_task
from tests.api.conftest import CaseDebt
from tests.messaging.conftest import CALLBACK_BASE, MORNING, window_open
from tests.messaging.stubs import SmtpServer

pytestmark = pytest.mark.django_db


def email_of(debt: CaseDebt) -> EmailAddress:
    return debt.borrower.emails.get()


def test_an_email_carries_a_one_click_link_that_opts_the_address_out(
    debt: CaseDebt, smtp: SmtpServer, settings: Any
) -> None:
    settings.MESSAGING_CALLBACK_BASE_URL = CALLBACK_BASE
    message = message_create(case=debt.case, template_code="pre_due_email", email=email_of(debt), at=MORNING).message
    message_send_task.delay(window_open(message).pk).get()

    mail = smtp.received[0].message
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", "".join(mail["List-Unsubscribe"].split())).group(1)  # type: ignore[union-attr]
    assert link.startswith(f"{CALLBACK_BASE}/unsubscribe/") and email_of(debt).address not in link
    path = link.removeprefix(CALLBACK_BASE)

    client = Client(enforce_csrf_checks=True)  # the mail client posts without a session or a CSRF token
    asked = client.get(path)
    assert asked.status_code == 200 and not email_of(debt).opted_out  # a link scanner's GET changes nothing
    first = client.post(path, {"List-Unsubscribe": "One-Click"})
    again = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert first.status_code == again.status_code == 200 and "data-unsubscribed" in again.content.decode()
    assert email_of(debt).opted_out
    assert DncEntry.objects.filter(type=DncEntry.Type.EMAIL_OPT_OUT).count() == 1  # the repeat added nothing
    later = message_create(case=debt.case, template_code="pre_due_email", email=email_of(debt), at=MORNING)
    assert later.message.status == Message.Status.REFUSED and "email_opt_out" in later.decision.codes


def test_a_token_that_is_not_ours_is_404_and_changes_nothing(debt: CaseDebt) -> None:
    good = unsubscribe_token(email_of(debt).pk)
    client = Client()

    for token in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "not-a-token", unsubscribe_token(10**9)):
        assert client.post(f"/unsubscribe/{token}/").status_code == 404, token
    assert not email_of(debt).opted_out and not DncEntry.objects.exists()
