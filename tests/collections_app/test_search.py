"""Search by loan or borrower id, name and a phone's last digits, among the cases the user may see."""

from __future__ import annotations

import pytest

from accounts.models import Phone
from tests.collections_app.contact_fixtures import (  # noqa: F401 (fixtures)
    at_fixture,
    contact_data_fixture,
    floor_fixture,
    login,
    open_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(floor):  # type: ignore[no-untyped-def]
    """Ann's case (borrower Maria Delgado, +12125550142), Bob's (Mario Delgado), and a case of another team."""
    from tests.factories import make_agent, make_team

    anns, bobs = open_case(floor.ann, phones=0), open_case(floor.bob, phones=0)
    carl = make_agent(make_team("Far Team", ["M1"]), "carl")
    carls = open_case(carl, phones=0)
    for case, name, number in ((anns, "Maria Delgado", "+12125550142"), (bobs, "Mario Delgado", "+12125559999"),
                               (carls, "Marian Delgado", "+13105550142")):  # fmt: skip
        borrower = case.account.borrower
        borrower.name = name
        borrower.save()
        Phone.objects.create(borrower=borrower, number=number, timezones=borrower.timezone)
    return {"anns": anns, "bobs": bobs, "carls": carls}


def found(client, q: str) -> list[int]:  # type: ignore[no-untyped-def]
    search = client.get("/search/", {"q": q}).context["found"]
    return [case.pk for case in search.cases]


def test_an_agent_finds_her_case_by_loan_id_borrower_id_name_and_phone_digits(floor, book):
    ann, case = login(floor.ann.user), book["anns"]

    assert found(ann, case.account.external_id) == [case.pk]
    assert found(ann, case.account.external_id.lower()[:-1]) == [case.pk]
    assert found(ann, case.account.borrower.external_id) == [case.pk]
    assert found(ann, "delgado MARIA") == [case.pk]
    assert found(ann, "0142") == [case.pk]
    assert found(ann, "555-0142") == [case.pk]


def test_a_number_is_found_by_any_end_of_4_digits_or_more_never_by_its_middle_as_numbers_are_encrypted(floor, book):
    ann, case = login(floor.ann.user), book["anns"]

    for query in ("50142", "555 0142", "(212) 555-0142", "12125550142", "+1 212 555 0142"):
        assert found(ann, query) == [case.pk], query
    assert found(ann, "2555") == []  # the middle of +12125550142
    assert found(ann, "212555") == []
    assert found(ann, "99912125550142") == []  # more digits than the number has


def test_a_name_is_found_by_whole_words_only_as_names_are_encrypted(floor, book):
    ann = login(floor.ann.user)

    assert found(ann, "Delgado") == [book["anns"].pk]
    assert found(ann, "maria del") == []
    assert found(ann, "Delg") == []


def test_an_agent_never_finds_another_agents_case(floor, book):
    ann = login(floor.ann.user)

    assert found(ann, "Delgado") == [book["anns"].pk]
    assert found(ann, book["bobs"].account.external_id) == []
    assert found(ann, "9999") == []  # Bob's borrower's number by its digits
    assert found(ann, "5559999") == [] and found(ann, "+12125559999") == []
    assert found(ann, "3105550142") == []  # Carl's, of another team
    page = ann.get("/search/", {"q": "Mario"}).content.decode()
    assert "No case you may see matches “Mario”." in page
    assert "Mario Delgado" not in page


def test_a_team_lead_finds_the_teams_cases_and_a_supervisor_every_case(floor, book):
    from django.contrib.auth.models import Group

    from collections_app import roles
    from tests.factories import UserFactory

    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))

    assert sorted(found(login(floor.lead), "Delgado")) == sorted([book["anns"].pk, book["bobs"].pk])
    assert sorted(found(login(sue), "0142")) == sorted([book["anns"].pk, book["carls"].pk])


def test_a_query_too_short_searches_nothing_and_says_why(floor, book):
    ann = login(floor.ann.user)

    text = ann.get("/search/", {"q": "Ma"}).content.decode()
    digits = ann.get("/search/", {"q": "142"}).content.decode()

    assert "Type at least 3 characters." in text
    assert "Type at least 4 digits of the number." in digits


def test_the_search_costs_a_fixed_number_of_queries(floor, book, django_assert_max_num_queries):
    ann = login(floor.ann.user)
    ann.get("/search/", {"q": "Delgado"})

    with django_assert_max_num_queries(8):
        ann.get("/search/", {"q": "Delgado"}, HTTP_HX_REQUEST="true")
