"""Messages in a browser: an agent sends a reminder from the account screen, sees it refused at night
with the reason and the borrower's next morning, sends it in the morning and sees it in the contact
history with its delivery status as the SMS provider (a local stub of its API) reports it; the panel
and the supervisor's message log fit at 1024 and 1440 pixels and speak Chinese.

The screens and the sender read ``django.utils.timezone.now`` (the screens through
``collections_app.services.clock``); the test stands it at 22:30 and then 10:00 in New York.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import pytest
import requests
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import Message
from collections_app.services.messages import message_create, message_preview
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock
from tests.browser.screens import check_screen, log_in
from tests.browser.test_calls_in_a_browser import settled
from tests.collections_app.contact_fixtures import MORNING, NIGHT, dispositions_ensure, first_phone, open_case
from tests.factories import UserFactory, make_agent, make_team
from tests.messaging.conftest import CALLBACK_BASE, sms_api, templates_ensure  # noqa: F401 - sms_api: the provider's stub
from tests.messaging.stubs import TOKEN, SmsApi

pytestmark = pytest.mark.browser

STATUS = "/api/v1/integrations/sms/twilio/status/"


def texting_case(agent: Any) -> Any:
    presets_ensure()
    dispositions_ensure()
    templates_ensure()
    return open_case(agent, sms_consent=True)


def panel_loaded(page: Any) -> Any:
    """The message panel once its lazy load has been swapped in and htmx has processed it: a select
    changed before htmx binds its ``change`` trigger (at the swap's settle) asks for no new preview,
    and the panel would go on showing the first template (the overdue one) whatever was chosen."""
    messages = page.locator("#message-panel")
    messages.locator("#message-form").wait_for()
    settled(page)
    return messages


def reminder_text(case: Any, agent: Any) -> str:
    """The pre-due reminder as the borrower reads it, from the template in the database (the version
    in use, in the borrower's language), filled for this case."""
    _template, _subject, body = message_preview(case=case, template_code="pre_due_sms", agent=agent.user)
    return body


def delivered(live_server: Any, message: Message) -> None:
    """The provider calls back: the text was delivered (signed as the provider signs)."""
    params = {"MessageSid": message.provider_message_id or "", "MessageStatus": "delivered", "AccountSid": "AC1"}
    text = CALLBACK_BASE + STATUS + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(hmac.new(TOKEN.encode(), text.encode(), hashlib.sha1).digest()).decode()
    answer = requests.post(f"{live_server.url}{STATUS}", data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code < 300, answer.text


def test_an_agent_is_refused_a_reminder_at_night_sends_it_in_the_morning_and_sees_it_delivered(
    browser_page, live_server, screenshot, monkeypatch, sms_api: SmsApi  # noqa: F811
):
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = texting_case(ann)
    phone = first_phone(case)
    now = Clock(NIGHT)
    monkeypatch.setattr(timezone, "now", now)
    page = browser_page

    # 22:30 in New York: the panel shows the reminder as the borrower reads it, and says not now.
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    messages = panel_loaded(page)
    messages.get_by_label("Template").select_option(label="Pre-due reminder · pre_due_sms")
    settled(page)
    expect(messages.locator("[data-preview] .message-body")).to_have_text(reminder_text(case, ann))
    expect(messages.locator("[data-preview]")).to_contain_text(case.account.external_id)
    expect(messages.locator("[data-preview]")).to_contain_text("Reply STOP to opt out")
    expect(messages).to_contain_text("Not now")

    # Sending anyway: refused with the engine's reason and the borrower's next morning; nothing sent.
    messages.get_by_role("button", name="Send").click()
    refusal = page.locator("#message-panel .message-refused")
    expect(refusal).to_contain_text("Message refused")
    expect(refusal.locator('[data-reason="outside_window"]')).to_contain_text("America/New_York")
    expect(refusal).to_contain_text("Next allowed: Wed 2026-04-08 08:00 EDT")
    expect(page.locator("body")).not_to_contain_text(phone.number)
    screenshot(page, "message-refused-at-night")
    assert Message.objects.get().status == "refused" and sms_api.posts == []

    # 10:00: sent; the contact history shows it, then the provider's delivery report.
    now.at = MORNING
    settled(page)
    messages = page.locator("#message-panel")
    messages.get_by_label("Template").select_option(label="Pre-due reminder · pre_due_sms")
    settled(page)
    expect(messages).to_contain_text("Allowed now")
    messages.get_by_role("button", name="Send").click()
    expect(page.locator("#message-panel .message-queued")).to_contain_text("Message queued")
    sent = Message.objects.get(status="sent")
    row = page.locator(f'#contact-history [data-message="{sent.pk}"]')
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text("2026-04-07 10:00 EDT")
    expect(row).to_contain_text(phone.number_masked)
    assert [post["To"] for post in sms_api.accepted] == [phone.number]

    delivered(live_server, sent)
    page.reload()
    row = page.locator(f'#contact-history [data-message="{sent.pk}"]')
    expect(row.locator(".message-status")).to_have_text("Delivered")
    screenshot(page, "message-delivered")


def test_the_message_panel_and_the_message_log_fit_and_speak_chinese(
    browser_page, live_server, screenshot, monkeypatch
):
    roles.roles_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    case = texting_case(ann)
    monkeypatch.setattr(timezone, "now", Clock(MORNING))
    phone = first_phone(case)
    message_create(case=case, template_code="pre_due_sms", phone=phone, agent=ann.user, at=MORNING)
    message_create(case=case, template_code="pre_due_sms", phone=phone, agent=ann.user, at=NIGHT)
    account = case.account
    data = [account.borrower.name, account.external_id, account.product, account.borrower.timezone, "ann", "sue",
            "M1", "Team", "EDT", "EST", "M1-M2 cash loan deferral", "zh-hans", phone.number_masked]

    log_in(browser_page, live_server, "ann")
    check_screen(browser_page, live_server, f"/cases/{case.pk}/", "message-panel", allowed=data, screenshot=screenshot,
                 ready=lambda page: page.locator("#message-form [data-preview]").wait_for())
    browser_page.context.clear_cookies()
    log_in(browser_page, live_server, "sue")
    browser_page.goto(f"{live_server.url}/today/")  # the log is a link of the live board (the menu is full)
    browser_page.get_by_role("link", name="Message log").click()
    expect(browser_page).to_have_url(re.compile(r"/messages/$"))
    check_screen(browser_page, live_server, "/messages/", "message-log", allowed=data, screenshot=screenshot,
                 ready=lambda page: expect(page.locator("#message-log [data-message]")).to_have_count(2))
