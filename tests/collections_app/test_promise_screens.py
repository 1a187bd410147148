"""The promise and callback panels, the agent's promises and the promises-by-agent board, with their refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone, translation

from collections_app import roles
from collections_app.models import PromiseToPay
from collections_app.services import clock
from collections_app.services.callbacks import case_callback_schedule
from collections_app.services.promise_matching import promises_settle
from scheduling.models import Callback
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import UserFactory, make_agent, make_team

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=NY)
TODAY = NOW.date()
HTMX = {"HTTP_HX_REQUEST": "true"}


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
    other = make_team("M2 Team", ["M2"])
    return {"ann": ann, "bob": bob, "lead": lead, "cid": make_agent(other, "cid")}


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_promise_panel_shows_the_policys_limits(team):
    case = make_case(team["ann"], overdue=Decimal("1234.50"))

    panel = login(team["ann"].user).get(f"/cases/{case.pk}/promises/", **HTMX)

    assert panel.status_code == 200
    assert b"<html" not in panel.content
    text = panel.content.decode()
    assert "Date by 2026-03-16 at the latest (14 days in M1)." in text
    assert "At least 123.45 USD (10% of the overdue 1,234.50)." in text
    assert "up to 6 dated amounts, the last by 2026-04-01" in text


def test_an_agent_records_a_plan_from_the_panel(team):
    case = make_case(team["ann"])
    client = login(team["ann"].user)

    answer = client.post(
        f"/cases/{case.pk}/promises/new/",
        {"date_0": "2026-03-06", "amount_0": "60.00", "date_1": "2026-03-13", "amount_1": "40.00"},
        **HTMX,
    )

    assert answer.status_code == 200
    assert answer["HX-Trigger"] == "promises-changed"
    taken = PromiseToPay.objects.get(case=case)
    assert (taken.amount, taken.created_by, taken.agent) == (Decimal("100.00"), team["ann"].user, team["ann"])
    assert list(taken.parts.values_list("amount", flat=True)) == [Decimal("60.00"), Decimal("40.00")]
    assert "Promise of 100.00 USD recorded." in answer.content.decode()


def test_a_refused_promise_shows_the_reason_on_its_field_and_writes_nothing(team):
    case = make_case(team["ann"])

    answer = login(team["ann"].user).post(
        f"/cases/{case.pk}/promises/new/", {"date_0": "2026-03-20", "amount_0": "100.00"}, **HTMX
    )

    assert answer.status_code == 200
    assert answer.context["form"].errors["date_0"] == [
        "In M1 the date may be at most 14 days ahead: 2026-03-16 at the latest."
    ]
    assert not PromiseToPay.objects.exists()


def test_a_promise_with_a_follow_up_typed_on_the_borrowers_clock(team):
    case = make_case(team["ann"])

    login(team["ann"].user).post(
        f"/cases/{case.pk}/promises/new/",
        {"date_0": "2026-03-06", "amount_0": "100.00", "follow_up_at": "2026-03-03T18:00"},
        **HTMX,
    )

    assert Callback.objects.get(case=case).due_at == dt.datetime(2026, 3, 3, 18, 0, tzinfo=NY)


def test_without_htmx_a_recorded_promise_redirects_to_the_promise_page(team):
    case = make_case(team["ann"])

    answer = login(team["ann"].user).post(
        f"/cases/{case.pk}/promises/new/", {"date_0": "2026-03-06", "amount_0": "100.00"}
    )

    assert answer.status_code == 302
    assert answer.url == f"/cases/{case.pk}/promises/"


@pytest.mark.parametrize("who", ["bob", "cid"])
def test_another_agents_case_is_not_found_for_reading_recording_or_cancelling(team, who):
    case = make_case(team["ann"])
    taken = promise(case, (dt.date(2026, 3, 6), "100.00"), today=TODAY)
    client = login(team[who].user)

    assert client.get(f"/cases/{case.pk}/promises/").status_code == 404
    assert client.post(f"/cases/{case.pk}/promises/new/", {"date_0": "2026-03-06", "amount_0": "1"}).status_code == 404
    assert client.post(f"/promises/{taken.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/callbacks/").status_code == 404
    assert client.post(f"/cases/{case.pk}/callbacks/new/", {"due_at": "2026-03-03T18:00"}).status_code == 404
    assert PromiseToPay.objects.get().status == "open"
    assert not Callback.objects.exists()


def test_an_analyst_reads_the_panel_but_cannot_record(team):
    case = make_case(team["ann"])
    analyst = UserFactory(username="ana")
    analyst.groups.add(Group.objects.get_or_create(name=roles.ANALYST)[0])
    client = login(analyst)

    page = client.get(f"/cases/{case.pk}/promises/")
    refused = client.post(f"/cases/{case.pk}/promises/new/", {"date_0": "2026-03-06", "amount_0": "100.00"})

    assert page.status_code == 200
    assert b"promise-form" not in page.content
    assert refused.status_code == 403


def test_the_team_lead_records_a_promise_on_a_team_case(team):
    case = make_case(team["bob"])

    login(team["lead"]).post(f"/cases/{case.pk}/promises/new/", {"date_0": "2026-03-06", "amount_0": "100.00"})

    assert PromiseToPay.objects.get(case=case).agent == team["bob"]  # credited to the case's agent


def test_cancelling_from_the_panel_needs_a_reason(team):
    case = make_case(team["ann"])
    taken = promise(case, (dt.date(2026, 3, 6), "100.00"), today=TODAY)
    client = login(team["ann"].user)

    refused = client.post(f"/promises/{taken.pk}/cancel/", {"reason": ""}, **HTMX)
    done = client.post(f"/promises/{taken.pk}/cancel/", {"reason": "renegotiated"}, **HTMX)

    assert "Say why the promise is cancelled." in refused.content.decode()
    assert done.status_code == 200
    assert PromiseToPay.objects.get().status == "cancelled"


def test_a_callback_outside_the_window_is_refused_on_screen_with_the_next_allowed_time(team):
    case = make_case(team["ann"])

    answer = login(team["ann"].user).post(f"/cases/{case.pk}/callbacks/new/", {"due_at": "2026-03-03T22:00"}, **HTMX)

    text = answer.content.decode()
    assert "The next allowed time is 2026-03-04 08:00 (America/New_York)." in text
    assert 'value="2026-03-04T08:00"' in text  # the form now holds it
    assert not Callback.objects.exists()


def test_an_agent_schedules_and_closes_a_callback_from_the_panel(team):
    case = make_case(team["ann"])
    client = login(team["ann"].user)

    scheduled = client.post(f"/cases/{case.pk}/callbacks/new/", {"due_at": "2026-03-03T18:00", "note": "after work"}, **HTMX)
    callback = Callback.objects.get()
    closed = client.post(f"/callbacks/{callback.pk}/close/", {"status": "done"}, **HTMX)

    assert scheduled["HX-Trigger"] == "callbacks-changed"
    assert "Callback scheduled for 2026-03-03 18:00" in scheduled.content.decode()
    assert closed.status_code == 200
    assert Callback.objects.get().status == "done"


def test_my_promises_lists_what_is_due_today_missed_and_kept(team, django_assert_max_num_queries):
    ann = team["ann"]
    due_today = make_case(ann)
    promise(due_today, (TODAY, "100.00"), today=TODAY)
    kept, broken = make_case(ann), make_case(ann)
    promise(kept, (dt.date(2026, 2, 25), "50.00"), today=dt.date(2026, 2, 20))
    pay(kept, "50.00", on=dt.date(2026, 2, 24))
    promise(broken, (dt.date(2026, 2, 25), "50.00"), today=dt.date(2026, 2, 20))
    promises_settle(today=dt.date(2026, 2, 28), now=NOW)
    case_callback_schedule(case=due_today, due_at=NOW + dt.timedelta(hours=4))
    bobs = make_case(team["bob"])
    promise(bobs, (TODAY, "100.00"), today=TODAY)
    client = login(ann.user)

    with django_assert_max_num_queries(12):
        page = client.get("/promises/")

    assert page.status_code == 200
    day = page.context["day"]
    assert [p.case_id for p in day.due_today] == [due_today.pk]
    assert [p.case_id for p in day.missed] == [broken.pk]
    assert [p.case_id for p in day.kept] == [kept.pk]
    # The broken promise's follow-up (due now), then the agent's appointment this afternoon.
    assert [cb.case_id for cb in page.context["callbacks"]] == [broken.pk, due_today.pk]


def test_the_board_counts_promises_by_agent_with_the_kept_rate(team, django_assert_max_num_queries):
    ann, bob = team["ann"], team["bob"]
    for agent, paid in ((ann, "100.00"), (ann, "0"), (bob, "40.00")):
        case = make_case(agent)
        promise(case, (dt.date(2026, 2, 25), "100.00"), today=dt.date(2026, 2, 20))
        if paid != "0":
            pay(case, paid, on=dt.date(2026, 2, 24))
    promises_settle(today=dt.date(2026, 2, 28), now=NOW)
    promise(make_case(ann), (dt.date(2026, 3, 6), "70.00"), today=TODAY)
    promise(make_case(team["cid"], bucket="M2"), (dt.date(2026, 3, 6), "70.00"), today=TODAY)
    client = login(team["lead"])

    with django_assert_max_num_queries(10):
        page = client.get("/promise-board/")

    rows = {row.agent.user.username: row for row in page.context["rows"]}
    assert set(rows) == {"ann", "bob"}  # cid is in another team
    assert (rows["ann"].open_count, rows["ann"].open_amount["USD"]) == (1, Decimal("70.00"))
    assert (rows["ann"].kept_count, rows["ann"].broken_count, rows["ann"].kept_rate) == (1, 1, Decimal("50.0"))
    assert (rows["bob"].partial_count, rows["bob"].partial_received["USD"], rows["bob"].kept_rate) == (
        1,
        Decimal("40.00"),
        Decimal("0.0"),
    )
    assert page.context["kept_rate"] == Decimal("33.3")
    assert "50.0%" in page.content.decode()


def test_an_agent_may_not_open_the_board(team):
    assert login(team["ann"].user).get("/promise-board/").status_code == 403


def test_the_navigation_links_each_role_to_its_promise_screen(team):
    agent_page = login(team["ann"].user).get("/promises/").content.decode()
    lead_page = login(team["lead"]).get("/promise-board/").content.decode()

    assert 'href="/promises/"' in agent_page and 'href="/promise-board/"' not in agent_page
    assert 'href="/promise-board/"' in lead_page


def test_the_promise_and_callback_panels_speak_chinese(team):
    case = make_case(team["ann"])
    client = login(team["ann"].user)
    client.cookies["django_language"] = "zh-hans"

    with translation.override("en"):  # the middleware activates Chinese in this thread: restore English after
        promises = client.get(f"/cases/{case.pk}/promises/", **HTMX).content.decode()
        callbacks = client.post(
            f"/cases/{case.pk}/callbacks/new/", {"due_at": "2026-03-03T22:00"}, **HTMX
        ).content.decode()

    assert "日期最晚为 2026-03-16（M1 为 14 天）。" in promises
    assert "记录承诺还款" in promises
    assert "下次允许时间为 2026-03-04 08:00 (America/New_York)。" in callbacks


@pytest.mark.parametrize("due_at", ["9999-12-31T23:59", "0001-01-01T00:00", "2999-12-31T23:59"])
def test_a_callback_at_the_ends_of_the_calendar_is_a_form_error(team, due_at):  # type: ignore[no-untyped-def]
    case = make_case(team["ann"])

    answer = login(team["ann"].user).post(f"/cases/{case.pk}/callbacks/new/", {"due_at": due_at}, **HTMX)

    assert answer.status_code == 200
    assert "has-error" in answer.content.decode()  # the time is refused on the form, with its message
    assert not Callback.objects.exists()
