"""The promises pipeline: an agent's and a team's open promises by date (not only today's), with what
has been received toward each; and the promises-by-agent board's amounts per currency."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import LoanAccount
from collections_app import roles
from collections_app.services import clock
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import UserFactory, make_agent, make_team

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=NY)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch, db: None) -> None:
    from collections_app.services.promise_policy import promise_policies_ensure
    from scheduling.presets import presets_ensure

    presets_ensure()
    promise_policies_ensure()
    instant = NOW.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    monkeypatch.setattr(clock, "now", lambda: instant)


@pytest.fixture
def team():  # type: ignore[no-untyped-def]
    m1 = make_team("M1 Team", ["M1"])
    ann, bob = make_agent(m1, "ann"), make_agent(m1, "bob")
    lead = UserFactory(username="lead")
    lead.groups.add(Group.objects.get_or_create(name=roles.TEAM_LEAD)[0])
    m1.lead = lead
    m1.save()
    cid = make_agent(make_team("M2 Team", ["M2"]), "cid")
    # ann: a plan of two parts (03-04 and 03-10), 60.00 paid toward the first; a single promise on 03-10.
    plan_case = make_case(ann)
    plan = promise(plan_case, (dt.date(2026, 3, 4), "100.00"), (dt.date(2026, 3, 10), "100.00"), today=TODAY)
    pay(plan_case, "60.00", on=TODAY, hour=9)  # before the clock's 10:00
    promise(make_case(ann), (dt.date(2026, 3, 10), "80.00"), today=TODAY)
    # bob: a CNY promise on 03-04; one past its date on 03-01 still in its grace days; one beyond 14 days.
    cny_case = make_case(bob, overdue=Decimal("2000.00"))
    LoanAccount.objects.filter(pk=cny_case.account_id).update(currency="CNY")
    promise(cny_case, (dt.date(2026, 3, 4), "900.00"), today=TODAY)
    late = make_case(bob)
    late_promise = promise(late, (dt.date(2026, 3, 3), "50.00"), today=TODAY)
    late_promise.parts.update(due_date=dt.date(2026, 3, 1), deadline=dt.date(2026, 3, 3))  # as if made last week
    promise(make_case(bob), (dt.date(2026, 3, 9), "70.00"), today=TODAY)
    # cid, another team.
    promise(make_case(cid, bucket="M2"), (dt.date(2026, 3, 5), "60.00"), today=TODAY)
    return {"ann": ann, "bob": bob, "cid": cid, "lead": lead, "plan": plan}


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def days(html: str) -> dict[str, list[str]]:
    """date -> the rows' text of that date's section."""
    found = {}
    for date, body in re.findall(r'<section class="panel pipeline-day" data-date="([\d-]+)">(.*?)</section>', html, re.S):
        rows = re.findall(r"<tr data-part=\"\d+\">(.*?)</tr>", body, re.S)
        found[date] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    return found


def test_an_agent_reads_their_open_promises_by_date_with_what_was_received(team):
    html = login(team["ann"].user).get("/promises/pipeline/").content.decode()

    by_date = days(html)
    assert list(by_date) == ["2026-03-04", "2026-03-10"]
    account = team["plan"].account.external_id
    # account (#part), due that day, received toward it, whole promise, received in all, counts until
    assert by_date["2026-03-04"] == [f"{account} #1 100.00 USD 60.00 200.00 60.00 2026-03-06"]
    assert len(by_date["2026-03-10"]) == 2


def test_a_team_lead_reads_the_teams_pipeline_per_agent_and_per_currency(team):
    html = login(team["lead"]).get("/promises/pipeline/").content.decode()

    by_date = days(html)
    assert list(by_date) == ["2026-03-01", "2026-03-04", "2026-03-09", "2026-03-10"]  # cid's is another team's
    first = re.search(r'data-date="2026-03-01">(.*?)</section>', html, re.S).group(1)
    assert "past its date, in grace" in first
    march_4 = re.search(r'data-date="2026-03-04">(.*?)</section>', html, re.S).group(1)
    total = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r"<tfoot>(.*?)</tfoot>", march_4, re.S).group(1)))
    assert "900.00 CNY 100.00 USD" in total  # per currency, never 1,000.00
    assert "1,000.00" not in html


def test_the_lead_narrows_to_one_agent_and_further_ahead(team):
    lead = login(team["lead"])

    bob_only = days(lead.get("/promises/pipeline/", {"agent": team["bob"].pk}).content.decode())
    assert list(bob_only) == ["2026-03-01", "2026-03-04", "2026-03-09"]
    assert all("#1" not in row for rows in bob_only.values() for row in rows)
    week = days(lead.get("/promises/pipeline/", {"days": "7"}).content.decode())
    assert "2026-03-10" not in week and "2026-03-09" in week


def test_the_pipeline_reads_one_query_for_the_promises_whatever_their_number(team, django_assert_max_num_queries):
    lead = login(team["lead"])
    lead.get("/promises/pipeline/")
    for _n in range(10):
        promise(make_case(team["ann"]), (dt.date(2026, 3, 8), "55.00"), today=TODAY)

    with django_assert_max_num_queries(10):
        html = lead.get("/promises/pipeline/").content.decode()

    assert len(days(html)["2026-03-08"]) == 10


def test_the_promise_board_shows_open_amounts_per_currency(team):
    html = login(team["lead"]).get("/promise-board/").content.decode()

    bob = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'<tr data-agent="bob">(.*?)</tr>', html, re.S).group(1)))
    assert "900.00 CNY 120.00 USD" in bob
    total = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)))
    assert "900.00 CNY 400.00 USD" in total


def test_an_analyst_reads_it_and_a_stranger_agent_sees_only_their_own(team):
    analyst = UserFactory(username="ana")
    analyst.groups.add(roles.roles_ensure()[roles.ANALYST])

    assert login(analyst).get("/promises/pipeline/").status_code == 200
    assert list(days(login(team["cid"].user).get("/promises/pipeline/").content.decode())) == ["2026-03-05"]
