"""Today, live: a team lead's and a supervisor's landing board, read from the day's own events."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from collections_app import roles
from collections_app.models import Case, ContactAttempt, PromiseToPay
from collections_app.services import clock
from scheduling.models import Callback
from tests.collections_app.extension_book import eligible_case, submitted, user_with_role
from tests.factories import LoanFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def at_three_pm(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: NOW)


def call(case: Case, agent, at: dt.datetime, *, rpc: bool = False, status: str = "completed") -> ContactAttempt:  # type: ignore[no-untyped-def]
    return ContactAttempt.objects.create(
        case=case, account=case.account, agent=agent.user, placed_at=at, status=status, right_party_contact=rpc
    )


def promise(case: Case, agent, *, amount: str, created: dt.datetime, status: str = "open",  # type: ignore[no-untyped-def]
            settled_on: dt.date | None = None) -> PromiseToPay:
    day = created.date()
    made = PromiseToPay.objects.create(
        case=case, account=case.account, agent=agent, made_on=day, amount=Decimal(amount), first_date=day,
        final_date=day, deadline=day + dt.timedelta(days=2), grace_days=2, kept_threshold=Decimal("1"),
        status=status, settled_on=settled_on,
    )
    PromiseToPay.objects.filter(pk=made.pk).update(created_at=created, updated_at=created)
    return made


@pytest.fixture
def day():  # type: ignore[no-untyped-def]
    early = make_team("Early", ["M1"])
    late = make_team("Late", ["M2"])
    ann, bob, cid = make_agent(early, "ann"), make_agent(early, "bob"), make_agent(late, "cid")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    early.lead = lee
    early.save()
    a1, a2 = make_open_cases([Decimal("100.00"), Decimal("200.00")], agent=ann)
    (b1,) = make_open_cases([Decimal("300.00")], agent=bob)
    (c1,) = make_open_cases([Decimal("400.00")], agent=cid, bucket="M2")
    (no_agent,) = make_open_cases([Decimal("50.00")])
    Case.objects.filter(pk=no_agent.pk).update(team=early)  # in the team, no agent
    make_open_cases([Decimal("60.00")], bucket="M4")  # no team at all
    # Calls: ann three today (one a right-party contact, one released as not dialed), one yesterday; bob one at 13:00.
    call(a1, ann, NOW - dt.timedelta(hours=3))
    call(a1, ann, NOW - dt.timedelta(minutes=30), rpc=True)
    call(a2, ann, NOW - dt.timedelta(minutes=20), status="not_dialed")
    call(a2, ann, NOW - dt.timedelta(days=1))
    call(b1, bob, NOW - dt.timedelta(hours=2))
    call(c1, cid, NOW - dt.timedelta(minutes=5), rpc=True)
    # Promises: ann one today in USD and one in CNY; one yesterday.
    cny = LoanFactory(currency="CNY", bucket="M1", dpd=5, overdue_amount=Decimal("900.00"))
    yuan = Case.objects.create(account=cny, bucket="M1", dpd=5, overdue_amount=Decimal("900.00"),
                               opened_on="2026-03-01", agent=ann, team=early)
    promise(a1, ann, amount="80.00", created=NOW - dt.timedelta(minutes=29))
    promise(yuan, ann, amount="500.00", created=NOW - dt.timedelta(hours=1))
    # Broken promises: a2's settled at 02:30 today, only a call not dialed since -> to chase; b1's settled
    # yesterday and bob called at 13:00 -> chased already.
    to_chase = promise(a2, ann, amount="70.00", created=NOW - dt.timedelta(days=4), status="broken", settled_on=NOW.date())
    PromiseToPay.objects.filter(pk=to_chase.pk).update(updated_at=NOW.replace(hour=2, minute=30))
    chased = promise(b1, bob, amount="90.00", created=NOW - dt.timedelta(days=5), status="broken",
                     settled_on=NOW.date() - dt.timedelta(days=1))
    PromiseToPay.objects.filter(pk=chased.pk).update(updated_at=NOW - dt.timedelta(days=1))
    # Callbacks: one overdue on ann's case, one later today.
    Callback.objects.create(case=a1, agent=ann, due_at=NOW - dt.timedelta(hours=1), reason="agent")
    Callback.objects.create(case=a2, agent=ann, due_at=NOW + dt.timedelta(hours=1), reason="agent")
    return {"early": early, "late": late, "ann": ann, "bob": bob, "cid": cid, "lee": lee, "to_chase": to_chase, "chased": chased}


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def agent_row(html: str, username: str) -> list[str]:
    row = re.search(rf'<tr data-agent="{username}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def tile(html: str, name: str) -> str:
    return re.search(rf'id="tile-{name}"><span class="tile-figure">([\d,]+)</span>', html).group(1)


def test_a_team_lead_reads_each_agents_day_so_far_and_who_has_not_called_for_an_hour(day):
    html = client_for(day["lee"]).get("/today/").content.decode()

    # agent, team, attempts, right-party contacts, promises, promised, last call, flag
    assert agent_row(html, "ann") == ["ann", "Early", "2", "1", "2", "500.00 CNY 80.00 USD", "14:30", ""]
    assert agent_row(html, "bob") == ["bob", "Early", "1", "0", "0", "\u2014", "13:00", "no call for an hour"]
    assert 'data-agent="cid"' not in html  # another team's
    assert tile(html, "idle") == "1"


def test_the_board_counts_what_waits_for_the_lead(day):
    ann_case = eligible_case(day["ann"], penalty="600.00")
    submitted(ann_case, day["ann"].user)

    html = client_for(day["lee"]).get("/today/").content.decode()

    assert tile(html, "approvals") == "1"
    assert tile(html, "unassigned") == "1"  # the team's case without an agent; the M4 case is no team's
    assert tile(html, "callbacks") == "1"
    assert tile(html, "broken") == "1"
    chase = re.search(r'<section class="panel" id="broken-to-chase">.*?</section>', html, re.S).group(0)
    assert f'data-promise="{day["to_chase"].pk}"' in chase
    assert f'data-promise="{day["chased"].pk}"' not in chase


def test_a_supervisor_sees_every_team_and_the_cases_with_no_team(day):
    html = client_for(user_with_role("sue", roles.SUPERVISOR)).get("/today/").content.decode()

    assert 'data-agent="cid"' in html
    assert tile(html, "unassigned") == "2"


def test_a_supervisor_narrows_the_board_to_one_team(day):
    html = client_for(user_with_role("sue", roles.SUPERVISOR)).get("/today/", {"team": day["late"].pk}).content.decode()

    assert 'data-agent="cid"' in html and 'data-agent="ann"' not in html


def test_htmx_refreshes_the_board_alone_and_asks_again_in_thirty_seconds(day):
    response = client_for(day["lee"]).get("/today/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert re.search(r'<div id="today-board" hx-get="/today/" hx-trigger="every 30s" hx-swap="outerHTML">', html)


def test_the_board_reads_a_fixed_number_of_queries_whatever_the_day(day, django_assert_max_num_queries):
    supervisor = client_for(user_with_role("sue", roles.SUPERVISOR))
    supervisor.get("/today/")
    for n in range(10):
        agent = make_agent(day["early"], f"extra{n}")
        (case,) = make_open_cases([Decimal("10.00")], agent=agent)
        call(case, agent, NOW - dt.timedelta(minutes=n))

    with django_assert_max_num_queries(14):
        html = supervisor.get("/today/").content.decode()

    assert html.count('<tr data-agent="') == 13


def test_leads_and_supervisors_land_on_it(day):
    response = client_for(day["lee"]).get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/today/"
