"""Requests that stop collection (cease, dispute, never call a number) are never one click: nothing is
chosen beforehand, a note and the agent's confirmation are needed; a team lead or supervisor can
reverse one entered by mistake, with a reason, audited."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from collections_app.models import ContactAttempt, DncEntry
from scheduling.models import ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401 (fixtures)
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CONFIRMED = {"note": "Asked on this call, read back", "confirm": "on"}


def panel_codes(client, case) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [row.decision.codes for row in client.get(f"/cases/{case.pk}/compliance/").context["panel"].rows]


def test_the_request_form_chooses_nothing_beforehand(floor, at):
    case = open_case(floor.ann)

    html = login(floor.ann.user).get(f"/cases/{case.pk}/").content.decode()

    kind = html[html.index('name="kind"') : html.index("</select>", html.index('name="kind"'))]
    assert '<option value="" selected>Choose what the borrower asked</option>' in kind
    assert "selected" not in kind.replace('<option value="" selected>', "")


def test_a_request_without_a_choice_records_nothing(floor, at):
    case = open_case(floor.ann)

    response = login(floor.ann.user).post(f"/cases/{case.pk}/requests/", {"kind": "", "note": ""}, **HTMX)

    assert response.context["request_form"].errors["kind"] == ["Choose what the borrower asked."]
    assert not ContactPreference.objects.exists()


@pytest.mark.parametrize("kind", ["cease", "dispute", "do_not_call"])
@pytest.mark.parametrize(
    ("missing", "field"), [({"note": ""}, "note"), ({"confirm": ""}, "confirm")]
)
def test_a_grave_request_needs_a_note_and_a_confirmation(floor, at, kind, missing, field):
    case = open_case(floor.ann)
    data = {"kind": kind, "phone": first_phone(case).pk, **CONFIRMED, **missing}
    client = login(floor.ann.user)

    response = client.post(f"/cases/{case.pk}/requests/", {k: v for k, v in data.items() if v}, **HTMX)

    assert field in response.context["request_form"].errors
    assert "HX-Trigger" not in response
    assert not ContactPreference.objects.exists()
    assert not DncEntry.objects.exists()
    assert panel_codes(client, case) == [[]]


def test_a_confirmed_cease_goes_on_the_register_with_the_agents_note(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    client.post(f"/cases/{case.pk}/requests/", {"kind": "cease", **CONFIRMED})

    entry = DncEntry.objects.get()
    assert (entry.type, entry.source, entry.reason, entry.active) == ("cease", "agent", CONFIRMED["note"], True)
    assert panel_codes(client, case) == [["cease"]]


def test_never_calling_one_number_blocks_that_number_only(floor, at):
    case = open_case(floor.ann, phones=2)
    first, second = case.account.borrower.phones.order_by("pk")
    client = login(floor.ann.user)

    client.post(f"/cases/{case.pk}/requests/", {"kind": "do_not_call", "phone": second.pk, **CONFIRMED})

    assert panel_codes(client, case) == [[], ["do_not_call"]]
    assert DncEntry.objects.get().number == second.number


def test_an_outcome_that_stops_collection_needs_a_note_and_a_confirmation(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    client.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}, **HTMX)
    attempt = ContactAttempt.objects.get()

    response = client.post(
        f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("cease_request", notes="", confirm=None), **HTMX
    )

    form = response.context["call"].form
    assert set(form.errors) == {"notes", "confirm"}
    attempt.refresh_from_db()
    assert attempt.status == "reserved"
    assert not ContactPreference.objects.exists()
    client.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("cease_request"), **HTMX)
    assert panel_codes(client, case) == [["cease"]]


def test_the_team_lead_reverses_a_mistaken_cease_with_a_reason_and_it_is_audited(floor, at):
    case = open_case(floor.ann)
    login(floor.ann.user).post(f"/cases/{case.pk}/requests/", {"kind": "cease", **CONFIRMED})
    lead = login(floor.lead)
    screen = lead.get(f"/cases/{case.pk}/").content.decode()
    assert "Reverse an entry made by mistake" in screen

    refused = lead.post(f"/cases/{case.pk}/requests/reverse/", {"target": "cease", "reason": ""}, **HTMX)
    assert "reason" in refused.context["reverse_form"].errors
    assert panel_codes(lead, case) == [["cease"]]

    response = lead.post(
        f"/cases/{case.pk}/requests/reverse/", {"target": "cease", "reason": "Clicked the wrong request"}, **HTMX
    )

    assert "Reversed." in response.content.decode()
    assert response["HX-Trigger"] == "contact-changed"
    assert panel_codes(lead, case) == [[]]
    assert DncEntry.objects.get().active is False
    audit = AuditEntry.objects.get(action="contact_block.reverse")
    assert (audit.actor_id, audit.reason, audit.before, audit.after) == (
        floor.lead.pk, "Clicked the wrong request", {"kind": "cease", "in_force": True}, {"kind": "cease", "in_force": False},
    )


def test_a_supervisor_reverses_a_number_put_on_do_not_call_by_mistake(floor, at):
    from django.contrib.auth.models import Group

    from collections_app import roles
    from tests.factories import UserFactory

    case = open_case(floor.ann)
    phone = first_phone(case)
    login(floor.ann.user).post(f"/cases/{case.pk}/requests/", {"kind": "do_not_call", "phone": phone.pk, **CONFIRMED})
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    client = login(sue)

    client.post(f"/cases/{case.pk}/requests/reverse/", {"target": f"do_not_call:{phone.pk}", "reason": "Wrong number picked"})

    phone.refresh_from_db()
    assert phone.do_not_call is False
    assert panel_codes(client, case) == [[]]
    assert AuditEntry.objects.get(action="contact_block.reverse").reason == "Wrong number picked"


def test_an_agent_may_not_reverse_even_on_their_own_case(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    client.post(f"/cases/{case.pk}/requests/", {"kind": "dispute", **CONFIRMED})

    response = client.post(f"/cases/{case.pk}/requests/reverse/", {"target": "dispute", "reason": "oops"}, **HTMX)

    assert response.status_code == 403
    assert "Reverse an entry made by mistake" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert panel_codes(client, case) == [["dispute"]]


def test_another_teams_lead_is_told_the_case_does_not_exist(floor, at):
    case = open_case(floor.ann)
    login(floor.ann.user).post(f"/cases/{case.pk}/requests/", {"kind": "dispute", **CONFIRMED})

    response = login(floor.other_lead).post(
        f"/cases/{case.pk}/requests/reverse/", {"target": "dispute", "reason": "not mine"}
    )

    assert response.status_code == 404
    assert ContactPreference.objects.get().dispute_hold is True


def test_nothing_in_force_is_nothing_to_reverse(floor, at):
    case = open_case(floor.ann)

    response = login(floor.lead).post(
        f"/cases/{case.pk}/requests/reverse/", {"target": "cease", "reason": "just in case"}, **HTMX
    )

    assert "target" in response.context["reverse_form"].errors
    assert not AuditEntry.objects.filter(action="contact_block.reverse").exists()
