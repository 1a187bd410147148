"""The supervisor's strategy screens and the results in the report API, with their refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from collections_app import roles
from collections_app.models import Arm, ArmAssignment, PlanAction, PlanRun, Strategy
from collections_app.services import clock
from tests.factories import UserFactory
from tests.strategies.book import NOW, account, shipped
from tests.strategies.plan_book import open_case

pytestmark = pytest.mark.django_db


def signed_in(role: str, username: str = "sue") -> Client:
    roles.roles_ensure()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def at_the_book_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_the_list_shows_each_segment_size_today_and_the_plan_runs_from_it() -> None:
    for due_in in (3, 1):
        account(due_in=due_in)
    open_case(account(due_in=-4, dpd=4, bucket="M1"))
    client = signed_in(roles.SUPERVISOR)

    page = client.get("/strategies/").content.decode()
    assert "2 accounts today" in page and "1 account today" in page
    assert "pre_due_sms" in page and "D+2 and after" in page

    answer = client.post("/strategies/plan/", follow=True)
    assert "3 accounts given an arm, 3 actions recorded" in answer.content.decode()
    run = PlanRun.objects.get()
    assert (run.kind, run.started_by.username, run.created) == ("intraday", "sue", 3)


def test_a_challenger_made_on_the_screen_and_a_refused_one_that_changes_nothing() -> None:
    client = signed_in(roles.SUPERVISOR)
    segment = shipped().segments.get(code="m1")

    made = client.post("/strategies/standard/m1/challengers/", {f"s{segment.pk}-name": "Early call", f"s{segment.pk}-share": "20"})
    refused = client.post("/strategies/standard/m1/challengers/", {f"s{segment.pk}-name": "Big", f"s{segment.pk}-share": "90"})

    assert made.status_code == 302 and refused.status_code == 400
    assert "The champion has only 80.00% left to give." in refused.content.decode()
    assert dict(segment.arms.values_list("code", "share")) == {"champion": Decimal("80"), "early-call": Decimal("20")}


def test_the_results_page_shows_both_arms_and_promotes_the_challenger() -> None:
    client = signed_in(roles.SUPERVISOR)
    segment = shipped().segments.get(code="m1")
    client.post("/strategies/standard/m1/challengers/", {f"s{segment.pk}-name": "Early call", f"s{segment.pk}-share": "20"})
    for _ in range(60):  # the draw is by account id: with 20 accounts one run in a hundred put none at 20%
        open_case(account(due_in=-4, dpd=4, bucket="M1"))
    client.post("/strategies/plan/")
    counts = {code: ArmAssignment.objects.filter(arm__code=code).count() for code in ("champion", "early-call")}

    page = client.get("/strategies/standard/m1/results/").content.decode()

    assert all(counts.values()) and sum(counts.values()) == 60
    assert f'data-arm="champion" data-figure="accounts">{counts["champion"]}<' in page
    assert f'data-arm="early-call" data-figure="accounts">{counts["early-call"]}<' in page
    promoted = client.post("/strategies/standard/m1/early-call/promote/")
    assert promoted.status_code == 302
    assert Strategy.objects.get(code="standard", active=True).version == 2
    assert PlanAction.objects.exists()


def test_the_screens_are_for_supervisors() -> None:
    lead = signed_in(roles.TEAM_LEAD, "lee")
    segment = shipped().segments.get(code="m1")

    assert lead.get("/strategies/").status_code == 403
    assert lead.post("/strategies/plan/").status_code == 403
    assert lead.post("/strategies/standard/m1/challengers/", {f"s{segment.pk}-name": "X", f"s{segment.pk}-share": "5"}).status_code == 403
    assert Client().get("/strategies/").status_code == 302
    assert signed_in(roles.SUPERVISOR).get("/strategies/nope/m1/results/").status_code == 404
    assert not PlanRun.objects.exists() and segment.arms.count() == 1


def test_the_report_api_gives_each_arm_with_its_intervals_and_the_error_body() -> None:
    client = signed_in(roles.ANALYST, "ana")
    segment = shipped().segments.get(code="m1")
    champion = segment.arms.get()
    loans = [account(due_in=-4, dpd=4, bucket="M1") for _ in range(3)]
    ArmAssignment.objects.bulk_create(
        ArmAssignment(account=loan, strategy=segment.strategy, segment=segment, arm=champion, assigned_at=NOW) for loan in loans
    )
    Arm.objects.filter(pk=champion.pk).update(share=Decimal("100"))

    body = client.get("/api/v1/strategies/standard/segments/m1/results/").json()
    missing = client.get("/api/v1/strategies/standard/segments/nope/results/")
    bad = client.get("/api/v1/strategies/standard/segments/m1/results/?version=x")

    assert body["strategy"] == {"code": "standard", "version": 1, "active": True}
    (arm,) = body["arms"]
    assert (arm["arm"], arm["accounts"], arm["cure_rate"]["value"], arm["cure_rate"]["n"]) == ("champion", 3, 0.0, 3)
    assert arm["versus_champion"] is None
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert bad.status_code == 400 and "version" in bad.json()["errors"]
    assert signed_in(roles.AGENT, "ann").get("/api/v1/strategies/standard/segments/m1/results/").status_code == 403
