"""The messages API (DESIGN.md 15): a message is decided by the engine at the request's instant, queued
(201) and sent after the commit, or refused (409) with the reasons and ``next_allowed_at``; an
``Idempotency-Key`` replays the first answer; a case one may not work is 404."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.test import APIClient

from collections_app import roles
from collections_app.models import Agent, ContactAttempt, IdempotencyRecord, Integration, Message
from collections_app.models.integrations import SCOPE_DIALER, SCOPE_MESSAGES
from tests.api.conftest import CaseDebt, Clock, dialer_client
from tests.factories import UserFactory, make_agent, make_team
from tests.messaging.conftest import MORNING, NIGHT, texting_debt

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The API's instant: 10:00 on a Tuesday in New York, unless a test moves it."""
    at = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", at)
    return at


@pytest.fixture
def ann(db: None) -> Agent:
    roles.roles_ensure()
    return make_agent(make_team("Team one", ["M1"]), "ann")


@pytest.fixture
def owned(ann: Agent) -> CaseDebt:
    """A texting-ready debt whose open case is Ann's."""
    debt = texting_debt()
    debt.case.agent = ann
    debt.case.team = ann.team
    debt.case.save(update_fields=["agent", "team"])
    return debt


def session(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def text(debt: CaseDebt, **extra: Any) -> dict[str, Any]:
    return {"case_id": debt.case.pk, "template": "pre_due_sms", "channel": "sms", "phone_id": debt.phone.pk, **extra}


def test_an_agent_sends_a_text_on_her_case_and_the_task_sends_it_after_the_commit(
    ann: Agent, owned: CaseDebt, clock: Clock, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # Given the file provider for texts
    settings.MESSAGING_SMS_PROVIDER = "collections_app.services.message_providers.FileProvider"
    settings.MESSAGING_FILE_PATH = str(tmp_path / "messages.jsonl")

    # When Ann asks for a reminder at 10:00 in New York
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = session(ann.user).post(URL, text(owned), format="json")

    # Then it is queued with its attempt, and the sender ran once after the commit
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["message_id"] == body["id"]
    assert body["case_id"] == owned.case.pk and body["template"] == "pre_due_sms" and body["agent"] == "ann"
    assert len(sent) == 1
    message = Message.objects.get(pk=body["message_id"])
    assert message.status == Message.Status.SENT and message.provider == "file"
    assert message.attempt is not None and message.attempt.channel == ContactAttempt.Channel.SMS
    written = json.loads((tmp_path / "messages.jsonl").read_text(encoding="utf-8"))
    assert written["to"] == owned.phone.number and "Reply STOP to opt out." in written["body"]

    # And the message reads back with its status, its text and the decision
    detail = session(ann.user).get(f"{URL}{message.pk}/").json()
    assert detail["status"] == "sent" and detail["body"] == message.body and detail["decision"]["allowed"] is True


def test_a_text_at_night_is_409_with_the_reasons_and_next_allowed_at_and_is_kept_refused(
    ann: Agent, owned: CaseDebt, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    clock.at = NIGHT

    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = session(ann.user).post(URL, text(owned), format="json")

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "not_allowed" and body["allowed"] is False
    assert [reason["code"] for reason in body["reasons"]] == ["outside_window"]
    assert body["next_allowed_at"] == "2026-04-08T12:00:00Z"  # 08:00 the next day in New York
    assert Message.objects.get(pk=body["message_id"]).status == Message.Status.REFUSED
    assert not ContactAttempt.objects.exists() and sent == []


def test_a_replay_with_the_same_idempotency_key_returns_the_same_message_and_sends_nothing_more(
    ann: Agent, owned: CaseDebt, clock: Clock
) -> None:
    client = session(ann.user)
    first = client.post(URL, text(owned), format="json", headers={"Idempotency-Key": "crm-1"})
    again = client.post(URL, text(owned), format="json", headers={"Idempotency-Key": "crm-1"})
    other_body = client.post(URL, text(owned, channel=None), format="json", headers={"Idempotency-Key": "crm-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"


def test_a_replayed_refusal_is_the_same_refusal(ann: Agent, owned: CaseDebt, clock: Clock) -> None:
    clock.at = NIGHT
    client = session(ann.user)
    first = client.post(URL, text(owned), format="json", headers={"Idempotency-Key": "night-1"})
    clock.at = MORNING  # allowed by now, but the key answers as it first did
    again = client.post(URL, text(owned), format="json", headers={"Idempotency-Key": "night-1"})

    assert first.status_code == again.status_code == 409 and again.json() == first.json()
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"case_id": "812x"}, "case_id"),
        ({"template": "no such template"}, "template"),
        ({"template": "unknown_template"}, "template"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "email"}, "email_id"),
        ({"phone_id": None}, "phone_id"),
        ({"phone_id": 2**62}, "phone_id"),
        ({"email_id": 1}, "email_id"),
        ({"template": "pre_due_email", "channel": None}, "channel"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    ann: Agent, owned: CaseDebt, clock: Clock, change: dict[str, Any], field: str
) -> None:
    body = {key: value for key, value in text(owned, **change).items() if value is not None}
    if change == {"template": "pre_due_email", "channel": None}:
        body["channel"] = "sms"  # an e-mail template asked for as a text

    response = session(ann.user).post(URL, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Message.objects.exists() and not ContactAttempt.objects.exists()


def test_another_borrowers_phone_is_400_and_nothing_is_sent(ann: Agent, owned: CaseDebt, clock: Clock) -> None:
    stranger = texting_debt()

    response = session(ann.user).post(URL, text(owned, phone_id=stranger.phone.pk), format="json")

    assert response.status_code == 400 and list(response.json()["errors"]) == ["phone_id"]
    assert not Message.objects.exists()


def test_another_agents_case_is_404_to_send_and_to_read(ann: Agent, owned: CaseDebt, clock: Clock) -> None:
    bob = make_agent(ann.team, "bob")
    response = session(bob.user).post(URL, text(owned), format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Message.objects.exists()

    sent = session(ann.user).post(URL, text(owned), format="json").json()["message_id"]
    assert session(bob.user).get(f"{URL}{sent}/").status_code == 404
    assert session(bob.user).get(URL).json()["results"] == []
    assert [m["id"] for m in session(ann.user).get(URL).json()["results"]] == [sent]


def test_analysts_read_messages_but_send_none(owned: CaseDebt, clock: Clock) -> None:
    roles.roles_ensure()
    analyst = UserFactory(username="ana")
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))

    assert session(analyst).post(URL, text(owned), format="json").status_code == 403
    assert session(analyst).get(URL).status_code == 200
    assert not Message.objects.exists()


def test_a_token_needs_the_messages_scope(owned: CaseDebt, clock: Clock) -> None:
    dialer = dialer_client(scopes=[SCOPE_DIALER])
    crm = dialer_client(name="crm", kind=Integration.Kind.CORE_SYSTEM)
    assert SCOPE_MESSAGES in crm.integration.scopes

    refused = dialer.post(URL, text(owned))
    sent = crm.post(URL, text(owned))

    assert refused.status_code == 403 and dialer.get(URL).status_code == 403
    assert sent.status_code == 201, sent.json()
    message = Message.objects.get()
    assert message.agent is None and message.source == ContactAttempt.Source.DIALER
    assert [m["id"] for m in crm.get(URL, {"case": owned.case.pk}).json()["results"]] == [message.pk]


def test_the_list_filters_by_case_status_channel_and_template_and_pages_by_cursor(
    ann: Agent, owned: CaseDebt, clock: Clock, django_assert_max_num_queries: Any
) -> None:
    client = session(ann.user)
    texted = client.post(URL, text(owned), format="json").json()["message_id"]
    email = owned.borrower.emails.get()
    mailed = client.post(
        URL, {"case_id": owned.case.pk, "template": "pre_due_email", "email_id": email.pk}, format="json"
    ).json()["message_id"]

    def ids(**params: Any) -> list[int]:
        return [m["id"] for m in client.get(URL, params).json()["results"]]

    assert ids() == [mailed, texted]
    assert ids(channel="sms") == [texted] and ids(channel="email") == [mailed]
    assert ids(template="pre_due_email") == [mailed] and ids(status="queued") == [mailed, texted]
    assert ids(status="sent") == [] and ids(case=owned.case.pk + 1000) == []
    first = client.get(URL, {"limit": 1}).json()
    assert [m["id"] for m in first["results"]] == [mailed] and first["next"]
    assert [m["id"] for m in client.get(first["next"]).json()["results"]] == [texted]
    bad = client.get(URL, {"status": "lost", "channel": "fax"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status", "channel"}
    with django_assert_max_num_queries(8):
        client.get(URL)


def test_the_templates_list_gives_the_current_version_of_each_code_and_language(ann: Agent, owned: CaseDebt) -> None:
    client = session(ann.user)

    templates = client.get("/api/v1/message-templates/").json()
    texts = client.get("/api/v1/message-templates/", {"channel": "sms"}).json()

    codes = {(t["code"], t["language"]) for t in templates}
    assert ("pre_due_sms", "en") in codes and ("pre_due_sms", "zh-hans") in codes
    assert texts and {t["channel"] for t in texts} == {"sms"} and all(t["segments"] for t in texts)
    assert len(codes) == len(templates)
    assert client.get("/api/v1/message-templates/", {"channel": "fax"}).status_code == 400
