"""The queue says per case whether it may be called now, or from when, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Phone
from tests.collections_app.contact_fixtures import (  # noqa: F401
    NIGHT,
    add_phone,
    at_fixture,
    contact_data_fixture,
    floor_fixture,
    local,
    login,
    open_case,
)

pytestmark = pytest.mark.django_db


def rows_by_case(client):  # type: ignore[no-untyped-def]
    return {row.case.pk: row for row in client.get("/queue/").context["rows"]}


def test_each_case_shows_callable_now_or_the_next_allowed_time(floor, at):
    # given, at 10:00 in New York (22:00 in Shanghai): a New Yorker, a Shanghai borrower, one in
    # dispute and one without a phone
    new_yorker = open_case(floor.ann)
    shanghai = open_case(floor.ann, timezone="Asia/Shanghai")
    disputed = open_case(floor.ann)
    no_phone = open_case(floor.ann, phones=0)
    client = login(floor.ann.user)
    client.post(f"/cases/{disputed.pk}/requests/", {"kind": "dispute", "note": "letter of 3 April", "confirm": "on"})

    page = client.get("/queue/")
    rows = {row.case.pk: row for row in page.context["rows"]}

    assert rows[new_yorker.pk].contact.decision.allowed
    assert rows[shanghai.pk].contact.decision.codes == ["outside_window"]
    assert rows[shanghai.pk].next_allowed.borrower == "Wed 2026-04-08 08:00 CST"
    assert rows[disputed.pk].contact.decision.codes == ["dispute"]
    assert rows[disputed.pk].next_allowed is None
    assert rows[no_phone.pk].contact.decision is None
    text = page.content.decode()
    assert "from Wed 2026-04-08 08:00 CST" in text
    assert "Blocked" in text
    assert "No phone" in text


def test_the_best_number_of_a_borrower_decides_the_case(floor, at):
    case = open_case(floor.ann, phones=0)
    add_phone(case, do_not_call=True)
    callable_ = add_phone(case)

    row = rows_by_case(login(floor.ann.user))[case.pk]

    assert (row.contact.phone.pk, row.contact.decision.allowed) == (callable_.pk, True)


def test_the_number_allowed_soonest_is_shown_when_none_is_allowed_now(floor, at):
    case = open_case(floor.ann, phones=0)
    add_phone(case, timezones="America/Los_Angeles")  # 08:00 in Los Angeles is 11:00 in New York
    near = add_phone(case)
    at(NIGHT)

    row = rows_by_case(login(floor.ann.user))[case.pk]

    assert row.contact.phone.pk == near.pk
    assert row.next_allowed.borrower == "Wed 2026-04-08 08:00 EDT"


def test_two_cases_of_one_borrower_are_each_judged_about_their_own_debt(floor, at):
    first = open_case(floor.ann)
    from collections_app.models import Case
    from tests.factories import LoanFactory

    second_loan = LoanFactory(borrower=first.account.borrower, bucket="M1", dpd=10)
    second = Case.objects.create(
        account=second_loan,
        bucket="M1",
        dpd=10,
        opened_on=dt.date(2026, 3, 1),
        agent=floor.ann,
        team=floor.ann.team,
    )

    rows = rows_by_case(login(floor.ann.user))

    assert rows[first.pk].contact.decision.account_id == first.account_id
    assert rows[second.pk].contact.decision.account_id == second_loan.pk


def queue_queries(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/queue/").status_code == 200
    return len(captured.captured_queries)


def test_the_queue_costs_the_same_queries_for_three_cases_or_a_full_page(
    floor, at, django_assert_max_num_queries
):
    client = login(floor.ann.user)
    for _ in range(3):
        open_case(floor.ann, phones=2)
    queue_queries(client)
    three = queue_queries(client)
    for _ in range(22):
        open_case(floor.ann, phones=2, type=Phone.Type.HOME)

    assert queue_queries(client) == three
    with django_assert_max_num_queries(13):
        client.get("/queue/")


def test_a_shanghai_night_is_shown_in_the_agents_own_time_too(floor, at):
    case = open_case(floor.ann, timezone="Asia/Shanghai")
    at(local("Asia/Shanghai", 2026, 4, 8, 21, 15))
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "America/New_York"

    row = rows_by_case(client)[case.pk]

    assert (row.next_allowed.borrower, row.next_allowed.agent) == (
        "Thu 2026-04-09 08:00 CST",
        "Wed 2026-04-08 20:00 EDT",
    )
