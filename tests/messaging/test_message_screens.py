"""Messages on the screens: the account screen's message panel (the text in the borrower's language,
the engine's decision, sending), messages in the contact history with their status, the message log."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import Phone
from collections_app import roles
from collections_app.models import Agent, ContactAttempt, Message, Team
from collections_app.services.messages import message_create
from tests.api.conftest import CaseDebt, Clock
from tests.factories import UserFactory, make_agent, make_team
from tests.messaging.conftest import MORNING, NIGHT, texting_debt

pytestmark = pytest.mark.django_db

FILE_PROVIDER = "collections_app.services.message_providers.FileProvider"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The screens' and the sender's instant: 10:00 on a Tuesday in New York, unless a test moves it."""
    at = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", at)
    return at


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "messages.jsonl"
    settings.MESSAGING_SMS_PROVIDER = FILE_PROVIDER
    settings.MESSAGING_EMAIL_PROVIDER = FILE_PROVIDER
    settings.MESSAGING_FILE_PATH = str(path)
    return path


@pytest.fixture
def ann(db: None) -> Agent:
    roles.roles_ensure()
    return make_agent(make_team("Team one", ["M1"]), "ann")


def owned_by(agent: Agent, **fields: Any) -> CaseDebt:
    debt = texting_debt(**fields)
    debt.case.agent = agent
    debt.case.team = agent.team
    debt.case.save(update_fields=["agent", "team"])
    return debt


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def panel(client: Client, debt: CaseDebt, **choice: Any) -> str:
    response = client.get(f"/cases/{debt.case.pk}/messages/", choice, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def send(client: Client, debt: CaseDebt, **choice: Any) -> Any:
    return client.post(f"/cases/{debt.case.pk}/messages/send/", choice, HTTP_HX_REQUEST="true")


def test_the_panel_shows_the_text_in_the_borrowers_language_and_the_engines_decision(ann: Agent, clock: Clock) -> None:
    debt = owned_by(ann)
    debt.borrower.language = "zh-hans"
    debt.borrower.name = "李娜"
    debt.borrower.save(update_fields=["language", "name"])

    html = panel(login(ann.user), debt)

    assert "李娜您好" in html and debt.account.external_id in html  # the Chinese version, filled in
    assert "Allowed now" in html
    assert debt.phone.number not in html and debt.phone.number_masked in html
    assert not Message.objects.exists()  # looking writes nothing


def test_an_agent_sends_a_reminder_it_is_sent_and_the_history_shows_its_status(
    ann: Agent, clock: Clock, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    debt = owned_by(ann)
    client = login(ann.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, debt, channel="sms", template="pre_due_sms", to=debt.phone.pk)

    assert response.status_code == 200 and response["HX-Trigger"] == "contact-changed"
    assert "Message queued" in response.content.decode()
    message = Message.objects.get()
    assert (message.status, message.agent_id, message.phone_id) == ("sent", ann.user_id, debt.phone.pk)
    assert debt.phone.number in outbox.read_text()  # the provider got it
    history = client.get(f"/cases/{debt.case.pk}/history/").content.decode()
    row = re.search(rf'<tr data-attempt="\d+" data-message="{message.pk}" data-message-status="sent">(.*?)</tr>', history, re.S)
    assert row is not None, history
    assert "Sent" in row.group(1) and "pre_due_sms" in row.group(1) and debt.phone.number_masked in row.group(1)


def test_an_e_mail_is_chosen_by_channel_and_goes_to_the_borrowers_address(
    ann: Agent, clock: Clock, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    debt = owned_by(ann)
    email = debt.borrower.emails.get()
    client = login(ann.user)

    html = panel(client, debt, channel="email")
    assert "Your payment is due on" in html and email.address_masked in html and email.address not in html

    with django_capture_on_commit_callbacks(execute=True):
        send(client, debt, channel="email", template="pre_due_email", to=email.pk)
    message = Message.objects.get()
    assert (message.channel, message.email_id, message.status) == ("email", email.pk, "sent")


def test_at_night_the_send_is_refused_with_the_reason_and_the_next_time_on_the_borrowers_clock(
    ann: Agent, clock: Clock, outbox: Path
) -> None:
    debt = owned_by(ann)
    clock.at = NIGHT  # 22:30 in New York
    client = login(ann.user)
    assert "Not now" in panel(client, debt)

    response = send(client, debt, channel="sms", template="pre_due_sms", to=debt.phone.pk)

    html = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "Message refused" in html and 'data-reason="outside_window"' in html
    assert "Wed 2026-04-08 08:00 EDT" in html  # the borrower's next morning
    message = Message.objects.get()
    assert message.status == "refused" and message.attempt is None
    assert not outbox.exists() and not ContactAttempt.objects.exists()


def test_a_template_or_address_that_is_not_offered_sends_nothing(ann: Agent, clock: Clock, outbox: Path) -> None:
    debt = owned_by(ann)
    stranger = owned_by(make_agent(ann.team, "bob"))
    client = login(ann.user)

    for choice in (
        {"channel": "sms", "template": "pre_due_sms", "to": stranger.phone.pk},  # another borrower's phone
        {"channel": "sms", "template": "pre_due_email", "to": debt.phone.pk},  # an e-mail template as a text
        {"channel": "fax", "template": "pre_due_sms", "to": debt.phone.pk},
    ):
        response = send(client, debt, **choice)
        assert response.status_code == 200 and "HX-Trigger" not in response, choice
        assert "Select a valid choice" in response.content.decode()
    assert not Message.objects.exists()


def test_another_agents_case_has_no_panel_and_sends_nothing(ann: Agent, clock: Clock) -> None:
    debt = owned_by(make_agent(make_team("Team two", ["M1"]), "carl"))
    client = login(ann.user)

    assert client.get(f"/cases/{debt.case.pk}/messages/").status_code == 404
    assert send(client, debt, channel="sms", template="pre_due_sms", to=debt.phone.pk).status_code == 404
    assert not Message.objects.exists()


def _messages_of(agent: Agent, count: int, **at: Any) -> list[Message]:
    debt = owned_by(agent)
    return [
        message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, agent=agent.user, **at).message
        for _ in range(count)
    ]


def log_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-message="(\d+)"', html)]


def test_the_message_log_filters_masks_and_pages_and_an_agent_sees_only_her_cases(ann: Agent, clock: Clock) -> None:
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    carl = make_agent(make_team("Team two", ["M1"]), "carl")
    anns = _messages_of(ann, 1, at=MORNING)  # queued
    night = _messages_of(ann, 1, at=NIGHT)  # refused
    carls = _messages_of(carl, 1, at=MORNING)
    Message.objects.filter(pk=carls[0].pk).update(status=Message.Status.DELIVERED)
    supervisor = login(sue)

    everything = supervisor.get("/messages/").content.decode()
    assert sorted(log_ids(everything)) == sorted(m.pk for m in anns + night + carls)
    for phone in Phone.objects.all():
        assert phone.number not in everything
    assert Phone.objects.get(pk=carls[0].phone_id).number_masked in everything

    assert log_ids(supervisor.get("/messages/", {"status": "refused"}).content.decode()) == [night[0].pk]
    assert log_ids(supervisor.get("/messages/", {"status": "delivered", "channel": "sms"}).content.decode()) == [carls[0].pk]
    assert log_ids(supervisor.get("/messages/", {"channel": "email"}).content.decode()) == []
    team_two = Team.objects.get(name="Team two")
    assert log_ids(supervisor.get("/messages/", {"team": team_two.pk}).content.decode()) == [carls[0].pk]
    # Days of the book's calendar (UTC here): 22:30 in New York is already the 8th.
    assert log_ids(supervisor.get("/messages/", {"day_from": "2026-04-08"}).content.decode()) == [night[0].pk]
    same_day = supervisor.get("/messages/", {"day_from": "2026-04-07", "day_to": "2026-04-07"}).content.decode()
    assert sorted(log_ids(same_day)) == sorted(m.pk for m in anns + carls)
    refused_range = supervisor.get("/messages/", {"day_from": "2026-04-08", "day_to": "2026-04-07"})
    assert "The end comes before the start." in refused_range.content.decode()

    mine = login(ann.user).get("/messages/").content.decode()
    assert sorted(log_ids(mine)) == sorted(m.pk for m in anns + night)


def test_the_message_log_pages_fifty_at_a_time(ann: Agent, clock: Clock) -> None:
    made = _messages_of(ann, 3, at=MORNING)
    Message.objects.bulk_create(
        [Message(**{f.attname: getattr(made[0], f.attname) for f in Message._meta.concrete_fields if f.attname not in ("id", "attempt_id", "idempotency_key", "provider_message_id")})
         for _ in range(52)]
    )  # fmt: skip
    client = login(ann.user)

    first = log_ids(client.get("/messages/").content.decode())
    second = log_ids(client.get("/messages/", {"page": 2}).content.decode())

    assert len(first) == 50 and len(second) == 5 and not set(first) & set(second)


def test_an_agent_working_in_chinese_sends_an_english_borrower_an_english_opt_out(
    ann: Agent, clock: Clock, outbox: Path
) -> None:
    debt = owned_by(ann)
    client = login(ann.user)
    client.cookies["django_language"] = "zh-hans"

    html = panel(client, debt, channel="sms", template="pre_due_sms")
    send(client, debt, channel="sms", template="pre_due_sms", to=debt.phone.pk)

    assert "借款人看到的内容" in html  # the screen speaks Chinese, the text does not
    assert "Reply STOP to opt out." in html and "退订" not in html
    assert Message.objects.get().body.endswith("Reply STOP to opt out.")
