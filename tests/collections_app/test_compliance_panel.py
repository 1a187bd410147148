"""The account screen's live compliance panel: per number, callable or not, why, from when, in whose time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from collections_app.models import ContactAttempt
from scheduling.models import ContactPreference
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    NIGHT,
    NY,
    add_phone,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    local,
    login,
    open_case,
    outcome,
)

pytestmark = pytest.mark.django_db


def panel_of(client, case):  # type: ignore[no-untyped-def]
    return client.get(f"/cases/{case.pk}/compliance/").context["panel"]


def test_a_callable_number_shows_until_when_in_the_borrowers_and_the_agents_time(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "Asia/Shanghai"

    response = client.get(f"/cases/{case.pk}/compliance/")

    row = response.context["panel"].rows[0]
    assert row.decision.allowed
    assert (row.closes.borrower, row.closes.agent) == ("Tue 2026-04-07 21:00 EDT", "Wed 2026-04-08 09:00 CST")
    text = response.content.decode()
    assert "Callable now" in text
    assert 'hx-trigger="every 60s, contact-changed from:body"' in text


def test_at_night_the_panel_gives_the_reason_and_the_next_allowed_time_in_both_zones(floor, at):
    case = open_case(floor.ann)
    at(NIGHT)
    client = login(floor.ann.user)
    client.cookies["cw_tz"] = "Europe/London"

    response = client.get(f"/cases/{case.pk}/")

    row = response.context["panel"].rows[0]
    assert row.decision.codes == ["outside_window"]
    assert (row.next_allowed.borrower, row.next_allowed.agent) == (
        "Wed 2026-04-08 08:00 EDT",
        "Wed 2026-04-08 13:00 BST",
    )
    text = response.content.decode()
    assert "Outside the contact window in America/New_York (local time there: 2026-04-07 22:30 EDT)." in text
    assert "Wed 2026-04-08 13:00 BST" in text


def test_without_a_browser_zone_the_agents_time_is_the_sites(floor, at):
    case = open_case(floor.ann)
    at(NIGHT)

    row = panel_of(login(floor.ann.user), case).rows[0]

    assert row.next_allowed.agent == "Wed 2026-04-08 12:00 UTC"


def test_attempts_left_today_and_this_week_count_down_with_each_call(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)
    for minutes in (0, 10):
        at(MORNING + dt.timedelta(minutes=minutes))
        client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
        attempt = ContactAttempt.objects.latest("pk")
        client.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("no_answer"))

    row = panel_of(client, case).rows[0]

    assert (row.decision.attempts_left_today, row.decision.attempts_left_week) == (5, 5)


def test_the_china_caps_show_as_attempts_left_today(floor, at):
    case = open_case(floor.ann, timezone="Asia/Shanghai")
    at(local("Asia/Shanghai", 2026, 4, 8, 10))

    row = panel_of(login(floor.ann.user), case).rows[0]

    assert (row.decision.attempts_left_today, row.decision.attempts_left_week) == (3, None)


def test_a_request_for_hours_is_recorded_audited_and_honoured_at_once(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    saved = client.post(
        f"/cases/{case.pk}/requests/",
        {"kind": "hours", "only_after": "18:00", "note": "asked during the call"},
        HTTP_HX_REQUEST="true",
    )
    panel = panel_of(client, case)

    assert "Recorded." in saved.content.decode()
    assert saved["HX-Trigger"] == "contact-changed"
    assert "Only after 18:00, borrower's time." in panel.requests
    row = panel.rows[0]
    assert row.decision.codes == ["preference_hours"]
    assert row.next_allowed.borrower == "Tue 2026-04-07 18:00 EDT"
    entry = AuditEntry.objects.get(action="contact_preference.update")
    assert (entry.actor, entry.after, entry.reason) == (
        floor.ann.user,
        {"only_after": "18:00:00", "only_before": None},
        "asked during the call",
    )


@pytest.mark.parametrize(
    ("data", "line", "code"),
    [
        ({"kind": "cease", "note": "on this call", "confirm": "on"}, "Asked us to stop all communication (cease).", "cease"),
        (
            {"kind": "dispute", "note": "letter of 3 April", "confirm": "on"},
            "Disputes the debt: collection paused until it is verified.",
            "dispute",
        ),
        (
            {"kind": "breathing_space", "breathing_space_until": "2026-06-05"},
            "Breathing space until 2026-06-05 (inclusive).",
            "breathing_space",
        ),
    ],
)
def test_a_borrower_request_blocks_calls_and_shows_in_the_panel(floor, at, data, line, code):
    case = open_case(floor.ann, phones=2)
    client = login(floor.ann.user)

    client.post(f"/cases/{case.pk}/requests/", data)
    panel = panel_of(client, case)

    assert line in panel.requests
    assert [row.decision.codes for row in panel.rows] == [[code], [code]]


def test_breathing_space_ends_on_the_morning_after_its_last_day(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    client.post(
        f"/cases/{case.pk}/requests/", {"kind": "breathing_space", "breathing_space_until": "2026-06-05"}
    )

    assert panel_of(client, case).rows[0].next_allowed.borrower == "Sat 2026-06-06 08:00 EDT"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "hours", "only_after": "19:00", "only_before": "09:00"}, "only_before"),
        ({"kind": "breathing_space", "breathing_space_until": "2026-04-06"}, "breathing_space_until"),
        ({"kind": "breathing_space"}, "breathing_space_until"),
        ({"kind": "hours", "only_after": "7pm"}, "only_after"),
        ({"kind": "phone me never"}, "kind"),
    ],
)
def test_a_bad_request_is_shown_as_an_error_and_writes_nothing(floor, at, data, field):
    case = open_case(floor.ann)

    response = login(floor.ann.user).post(f"/cases/{case.pk}/requests/", data, HTTP_HX_REQUEST="true")

    assert field in response.context["request_form"].errors
    assert "HX-Trigger" not in response
    assert not ContactPreference.objects.exists()
    assert not AuditEntry.objects.filter(action="contact_preference.update").exists()


def test_work_calls_are_fine_again_when_the_borrower_says_so(floor, at):
    case = open_case(floor.ann)
    work = add_phone(case, type="work")
    client = login(floor.ann.user)
    client.post(f"/cases/{case.pk}/requests/", {"kind": "no_work_calls"})

    client.post(f"/cases/{case.pk}/requests/", {"kind": "work_calls_ok"})

    rows = {row.phone.pk: row for row in panel_of(client, case).rows}
    assert rows[work.pk].decision.allowed


def test_the_contact_history_lists_every_attempt_with_its_outcome_and_agent(floor, at):
    case = open_case(floor.ann)
    phone = first_phone(case)
    client = login(floor.ann.user)
    client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
    first = ContactAttempt.objects.get()
    client.post(f"/cases/{case.pk}/calls/{first.pk}/outcome/", outcome("callback", notes="after 5 pm"))
    at(MORNING + dt.timedelta(days=8))
    client.post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
    second = ContactAttempt.objects.latest("pk")
    client.post(f"/cases/{case.pk}/calls/{second.pk}/not-dialed/")

    history = client.get(f"/cases/{case.pk}/history/")

    rows = history.context["history"]
    assert [(r.attempt.pk, r.attempt.status, r.disposition) for r in rows] == [
        (second.pk, "not_dialed", ""),
        (first.pk, "completed", "Callback requested"),
    ]
    assert rows[1].placed == "2026-04-07 10:00 EDT"
    text = history.content.decode()
    assert "after 5 pm" in text
    assert "ann" in text
    assert phone.number not in text


def queries_for(client, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_account_screen_costs_the_same_queries_with_one_phone_or_many_and_a_long_history(
    floor, at, django_assert_max_num_queries
):
    small = open_case(floor.ann)
    big = open_case(floor.ann, phones=5)
    client = login(floor.ann.user)
    phone = first_phone(big)
    for day in range(6):
        at(MORNING + dt.timedelta(days=day))
        client.post(f"/cases/{big.pk}/calls/", {"phone": phone.pk})
        client.post(
            f"/cases/{big.pk}/calls/{ContactAttempt.objects.latest('pk').pk}/outcome/", outcome("voicemail")
        )
    client.post(f"/cases/{big.pk}/requests/", {"kind": "hours", "only_after": "09:00"})
    queries_for(client, f"/cases/{small.pk}/")  # warm the session

    assert queries_for(client, f"/cases/{small.pk}/") == queries_for(client, f"/cases/{big.pk}/")
    with django_assert_max_num_queries(19):
        client.get(f"/cases/{big.pk}/")
    with django_assert_max_num_queries(13):
        client.get(f"/cases/{big.pk}/compliance/")


def test_the_panel_is_the_same_for_the_agent_and_the_team_lead(floor, at):
    case = open_case(floor.ann)

    mine, leads = panel_of(login(floor.ann.user), case), panel_of(login(floor.lead), case)

    assert [r.decision.codes for r in mine.rows] == [r.decision.codes for r in leads.rows]
    assert mine.can_call and leads.can_call


def test_the_borrowers_zone_is_the_one_judged_for_a_new_yorker_with_a_los_angeles_mobile(floor, at):
    case = open_case(floor.ann, timezones="America/Los_Angeles")
    at(local(NY, 2026, 4, 7, 8, 30))

    row = panel_of(login(floor.ann.user), case).rows[0]

    assert row.decision.codes == ["outside_window"]
    assert "America/Los_Angeles" in row.decision.reasons[0].message
    assert row.next_allowed.borrower == "Tue 2026-04-07 11:00 EDT"
