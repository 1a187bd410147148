"""The agent's queue, the account screen and the team board, with their refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import AuditEntry, PiiReveal
from collections_app.models import AssignmentRecord, Case
from tests.factories import PhoneFactory, UserFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():  # type: ignore[no-untyped-def]
    m1 = make_team("M1 Team", ["M1"])
    ann, bob = make_agent(m1, "ann"), make_agent(m1, "bob")
    lead = UserFactory(username="lead")
    lead.groups.add(Group.objects.get_or_create(name="team_lead")[0])
    m1.lead = lead
    m1.save()
    other = make_team("M2 Team", ["M2"])
    cid = make_agent(other, "cid")
    return {"team": m1, "other": other, "ann": ann, "bob": bob, "cid": cid, "lead": lead}


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_my_open_cases_by_priority_then_dpd_then_balance(team):
    low, high = make_open_cases([Decimal("100.00"), Decimal("900.00")], agent=team["ann"])
    urgent = make_open_cases([Decimal("5.00")], agent=team["ann"], priority=100)[0]
    make_open_cases([Decimal("999.00")], agent=team["bob"])

    page = login(team["ann"].user).get("/queue/")

    assert page.status_code == 200
    listed = [c.pk for c in page.context["page"].object_list]
    assert listed == [urgent.pk, high.pk, low.pk]


def test_the_queue_page_takes_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    make_open_cases([Decimal("10.00")] * 40, agent=team["ann"])
    client = login(team["ann"].user)
    with django_assert_max_num_queries(11):  # the promise hold: the held cases counted, the open promises read
        assert client.get("/queue/").status_code == 200


def test_a_filter_change_from_htmx_returns_only_the_table(team):
    make_open_cases([Decimal("10.00")], agent=team["ann"])
    make_open_cases([Decimal("10.00")], agent=team["ann"], bucket="M2")

    fragment = login(team["ann"].user).get("/queue/", {"bucket": "M2"}, HTTP_HX_REQUEST="true")

    assert b"<html" not in fragment.content
    assert [c.bucket for c in fragment.context["page"].object_list] == ["M2"]


def test_next_case_is_one_key_away(team):
    first, second = make_open_cases([Decimal("900.00"), Decimal("100.00")], agent=team["ann"])
    client = login(team["ann"].user)

    assert client.get("/queue/next/").url == f"/cases/{first.pk}/"
    assert client.get("/queue/next/", {"after": first.pk}).url == f"/cases/{second.pk}/"
    assert client.get("/queue/next/", {"after": second.pk}).url == "/queue/"


def test_an_agent_opening_another_agents_case_gets_404(team):
    bobs = make_open_cases([Decimal("10.00")], agent=team["bob"])[0]

    assert login(team["ann"].user).get(f"/cases/{bobs.pk}/").status_code == 404


def test_the_account_screen_masks_phone_numbers(team):
    case = make_open_cases([Decimal("10.00")], agent=team["ann"])[0]
    PhoneFactory(borrower=case.account.borrower, number="+12125550147")

    page = login(team["ann"].user).get(f"/cases/{case.pk}/")

    assert page.status_code == 200
    assert b"+12125550147" not in page.content
    assert b"+12******47" in page.content


def test_revealing_a_phone_number_needs_a_reason_and_is_recorded(team):
    case = make_open_cases([Decimal("10.00")], agent=team["ann"])[0]
    phone = PhoneFactory(borrower=case.account.borrower, number="+12125550147")
    client = login(team["ann"].user)

    refused = client.post(f"/cases/{case.pk}/reveal/", {"field": f"phone:{phone.pk}", "reason": ""})
    shown = client.post(f"/cases/{case.pk}/reveal/", {"field": f"phone:{phone.pk}", "reason": "manual dial"})

    assert refused.status_code == 400
    assert b"+12125550147" in shown.content
    reveal = PiiReveal.objects.get()
    assert (reveal.user, reveal.field, reveal.reason) == (team["ann"].user, f"phone:{phone.pk}", "manual dial")
    assert AuditEntry.objects.filter(action="pii.revealed").count() == 1


def test_an_agent_cannot_reveal_data_of_another_agents_case(team):
    bobs = make_open_cases([Decimal("10.00")], agent=team["bob"])[0]
    phone = PhoneFactory(borrower=bobs.account.borrower)

    response = login(team["ann"].user).post(f"/cases/{bobs.pk}/reveal/", {"field": f"phone:{phone.pk}", "reason": "x"})

    assert response.status_code == 404
    assert not PiiReveal.objects.exists()


def test_the_team_board_shows_each_agents_load(team):
    make_open_cases([Decimal("100.00"), Decimal("300.00")], agent=team["ann"])
    make_open_cases([Decimal("200.00")], agent=team["bob"])

    page = login(team["lead"]).get(f"/teams/{team['team'].pk}/")

    board = page.context["board"]
    assert {(r.agent.user.username, r.cases, tuple(r.balance)) for r in board.agents} == {
        ("ann", 2, (("USD", Decimal("400.00")),)),
        ("bob", 1, (("USD", Decimal("200.00")),)),
    }
    assert board.mean_cases == Decimal("1.5")


def test_an_agent_gets_403_on_the_team_board_and_a_lead_404_on_another_team(team):
    assert login(team["ann"].user).get(f"/teams/{team['team'].pk}/").status_code == 403
    assert login(team["lead"]).get(f"/teams/{team['other'].pk}/").status_code == 404


def test_a_lead_reassigns_and_locks_selected_cases_with_a_reason(team):
    cases = make_open_cases([Decimal("10.00"), Decimal("20.00")], agent=team["ann"])
    client = login(team["lead"])

    client.post(
        f"/teams/{team['team'].pk}/",
        {"action": "reassign", "cases": [c.pk for c in cases], "agent": team["bob"].pk, "reason": "ann is training"},
    )
    client.post(f"/teams/{team['team'].pk}/", {"action": "lock", "cases": [cases[0].pk], "reason": "VIP"})

    assert set(Case.objects.values_list("agent__user__username", flat=True)) == {"bob"}
    assert Case.objects.get(pk=cases[0].pk).locked
    notes = AssignmentRecord.objects.filter(reason="manual", by=team["lead"]).values_list("note", flat=True)
    assert list(notes).count("ann is training") == 2  # an encrypted note is read, not looked up


def test_an_agent_cannot_reassign_through_the_board(team):
    cases = make_open_cases([Decimal("10.00")], agent=team["ann"])

    response = login(team["ann"].user).post(
        f"/teams/{team['team'].pk}/", {"action": "reassign", "cases": [cases[0].pk], "agent": team["ann"].pk, "reason": "x"}
    )

    assert response.status_code == 403
    assert not AssignmentRecord.objects.exists()


def test_a_lead_marks_an_agents_leave_and_it_is_audited(team):
    response = login(team["lead"]).post(
        f"/agents/{team['ann'].pk}/leave/", {"leave_from": "2026-03-01", "leave_to": "2026-03-09"}
    )

    team["ann"].refresh_from_db()
    assert response.status_code == 302
    assert str(team["ann"].leave_to) == "2026-03-09"
    assert AuditEntry.objects.filter(action="agent.leave", actor=team["lead"]).exists()


def test_a_lead_cannot_mark_leave_for_another_teams_agent(team):
    assert login(team["lead"]).post(f"/agents/{team['cid'].pk}/leave/", {"leave_from": "2026-03-01"}).status_code == 404
