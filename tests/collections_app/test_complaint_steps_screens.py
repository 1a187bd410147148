"""Acknowledging and reassigning a complaint from the queue (audited, refused to who may not), and the
agent's own complaints: those about their calls and those on their cases, with where each stands."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import AuditEntry
from collections_app import roles
from collections_app.models import Complaint, ContactAttempt, Message, MessageTemplate
from collections_app.services.complaints import complaint_register, complaint_resolve
from tests.collections_app.complaint_fixtures import category, complaint_presets_ensure
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    Floor,
    at_fixture,
    contact_data_fixture,
    floor_fixture,
    login,
    open_case,
)
from tests.factories import UserFactory
from tests.quality.quality_fixtures import call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _presets(contact_data: None, at: object) -> None:
    complaint_presets_ensure()


def registered(case, *, agent=None, code: str = "fees", description: str = "Fees too high.") -> Complaint:  # type: ignore[no-untyped-def]
    return complaint_register(case=case, category=category(code), channel="call", description=description,
                              actor=None, agent=agent, now=MORNING)  # fmt: skip


def test_the_lead_acknowledges_from_the_queue_once_and_it_is_audited(floor: Floor) -> None:
    complaint = registered(open_case(floor.ann))
    lead = login(floor.lead)
    assert f'action="/complaints/{complaint.pk}/acknowledge/"' in lead.get("/complaints/").content.decode()

    first = lead.post(f"/complaints/{complaint.pk}/acknowledge/")
    again = lead.post(f"/complaints/{complaint.pk}/acknowledge/")

    complaint.refresh_from_db()
    assert (first.status_code, first["Location"], again.status_code) == (302, "/complaints/", 302)
    assert complaint.status == "acknowledged" and complaint.acknowledged_at == MORNING
    entry = AuditEntry.objects.get(action="complaint.acknowledge")
    assert (entry.actor, entry.before["status"], entry.after["status"]) == (floor.lead, "received", "acknowledged")
    page = lead.get("/complaints/").content.decode()
    assert f'action="/complaints/{complaint.pk}/acknowledge/"' not in page and "Acknowledged" in page


def test_the_lead_hands_a_complaint_to_a_supervisor_and_back_to_nobody_each_step_audited(floor: Floor) -> None:
    complaint = registered(open_case(floor.ann))
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    lead = login(floor.lead)
    assert '<option value="sue">sue</option>' in lead.get("/complaints/").content.decode()

    given = lead.post(f"/complaints/{complaint.pk}/assign/", {"owner": "sue"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.owner == sue and f"Complaint {complaint.pk} is sue&#x27;s now." in given.content.decode()
    lead.post(f"/complaints/{complaint.pk}/assign/", {"owner": ""})

    complaint.refresh_from_db()
    assert complaint.owner is None
    owners = [(e.before["owner"], e.after["owner"]) for e in AuditEntry.objects.filter(action="complaint.assign").order_by("pk")]
    assert owners == [(floor.lead.pk, sue.pk), (sue.pk, None)]


def test_only_leads_and_supervisors_may_own_one_and_an_agent_or_another_team_is_refused(floor: Floor) -> None:
    complaint = registered(open_case(floor.ann))
    owner = complaint.owner_id

    to_an_agent = login(floor.lead).post(f"/complaints/{complaint.pk}/assign/", {"owner": floor.bob.user.username})
    by_agent = login(floor.ann.user).post(f"/complaints/{complaint.pk}/assign/", {"owner": "lead"})
    ack_by_agent = login(floor.ann.user).post(f"/complaints/{complaint.pk}/acknowledge/")
    by_other_team = login(floor.other_lead).post(f"/complaints/{complaint.pk}/acknowledge/")

    assert to_an_agent.status_code == 400 and "Select a valid choice" in to_an_agent.content.decode()
    assert (by_agent.status_code, ack_by_agent.status_code, by_other_team.status_code) == (403, 403, 404)
    complaint.refresh_from_db()
    assert (complaint.owner_id, complaint.status) == (owner, "received")
    assert not AuditEntry.objects.filter(action__in=("complaint.assign", "complaint.acknowledge")).exists()


def test_a_lead_complained_about_may_not_acknowledge_or_reassign_it(floor: Floor) -> None:
    complaint = registered(open_case(floor.ann), agent=floor.lead)
    lead = login(floor.lead)

    assert lead.post(f"/complaints/{complaint.pk}/acknowledge/").status_code == 403
    assert lead.post(f"/complaints/{complaint.pk}/assign/", {"owner": ""}).status_code == 403
    complaint.refresh_from_db()
    assert (complaint.status, complaint.owner) == ("received", floor.lead)


def test_the_agent_reads_the_complaints_about_their_calls_and_on_their_cases_only(floor: Floor) -> None:
    anns_case, bobs_case = open_case(floor.ann), open_case(floor.bob)
    on_anns_case = registered(anns_case, description="On Ann's case.")
    about_ann = registered(bobs_case, agent=floor.ann.user, code="communication_tactics", description="Ann shouted.")
    about_bob = registered(bobs_case, agent=floor.bob.user, description="Bob's fees.")
    complaint_resolve(complaint=on_anns_case, actor=floor.lead, resolution="rejected", root_cause="other",
                      note="The fee is in the contract.", at=MORNING)  # fmt: skip

    response = login(floor.ann.user).get("/complaints/mine/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-complaint="{about_ann.pk}" data-status="received"' in page
    assert f'data-complaint="{on_anns_case.pk}" data-status="resolved"' in page
    assert f'data-complaint="{about_bob.pk}"' not in page
    assert page.index(f'data-complaint="{about_ann.pk}"') < page.index(f'data-complaint="{on_anns_case.pk}"')
    assert "about your call" in page and "The fee is in the contract." in page
    # Bob's case is not Ann's to open: its account is shown without a link.
    assert f'href="/cases/{anns_case.pk}/"' in page and f'href="/cases/{bobs_case.pk}/"' not in page
    assert login(floor.lead).get("/complaints/mine/").status_code == 403


def test_a_complaint_about_the_last_text_names_the_message_and_its_sender_not_the_text_as_a_call(floor: Floor) -> None:
    case = open_case(floor.ann)
    earlier = call(floor.ann, case, talk_seconds=0)
    template, _made = MessageTemplate.objects.get_or_create(
        code="steps_sms", language="en", version=1,
        defaults={"channel": "sms", "purpose": "overdue", "body": "Please call us. Reply STOP to opt out."},
    )  # fmt: skip
    text_attempt = ContactAttempt.objects.create(
        case=case, account=case.account, agent=floor.bob.user, channel=ContactAttempt.Channel.SMS, status="completed",
        placed_at=MORNING,
    )  # fmt: skip
    text = Message.objects.create(
        case=case, account=case.account, attempt=text_attempt, template=template, channel="sms",
        phone=case.account.borrower.phones.first(), language="en", body="Please call us. Reply STOP to opt out.",
        status=Message.Status.SENT, created_at=MORNING, sent_at=MORNING, agent=floor.bob.user,
    )  # fmt: skip
    ann = login(floor.ann.user)
    panel = ann.get(f"/cases/{case.pk}/complaints/", HTTP_HX_REQUEST="true").content.decode()
    assert "About the last call (" in panel and "About the last message (SMS, " in panel

    ann.post(f"/cases/{case.pk}/complaints/new/", {"category": "fees", "channel": "sms", "description": "Rude text.",
             "link_last_message": "on"}, HTTP_HX_REQUEST="true")  # fmt: skip
    ann.post(f"/cases/{case.pk}/complaints/new/", {"category": "fees", "channel": "call", "description": "Rude call.",
             "link_last_call": "on"}, HTTP_HX_REQUEST="true")  # fmt: skip

    about_text, about_call = Complaint.objects.get(channel="sms"), Complaint.objects.get(channel="call")  # descriptions are encrypted
    assert (about_text.description, about_call.description) == ("Rude text.", "Rude call.")
    assert (about_text.message_id, about_text.agent, list(about_text.attempts.all())) == (text.pk, floor.bob.user, [])
    assert (about_call.message_id, about_call.agent, list(about_call.attempts.all())) == (None, floor.ann.user, [earlier])
