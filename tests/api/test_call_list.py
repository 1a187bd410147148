"""GET dialer/call-list/: numbers callable now, by priority, decided in constant queries, keyset cursor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Phone
from scheduling.services.preferences import preference_update
from tests.api.conftest import CaseDebt, Clock, Dialer, granted, open_case_debt
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db
URL = "/api/v1/dialer/call-list/"


def case_ids(body: dict[str, object]) -> list[int]:
    return [row["case_id"] for row in body["results"]]  # type: ignore[index, union-attr]


def test_rows_come_by_priority_then_days_past_due_with_the_fields_a_dialer_needs(dialer: Dialer) -> None:
    team = make_team("Early", ["M1", "M2"])
    agent = make_agent(team, "agent1")
    low = open_case_debt(priority=0, dpd=50)
    high = open_case_debt(priority=10, dpd=5)
    mid = open_case_debt(priority=0, dpd=80)
    high.case.agent, high.case.team, high.case.overdue_amount = agent, team, Decimal("440.00")
    high.case.save()

    body = dialer.get(URL).json()

    assert case_ids(body) == [high.case.pk, mid.case.pk, low.case.pk]
    row = body["results"][0]
    assert row == {
        "case_id": high.case.pk,
        "account_external_id": high.account.external_id,
        "borrower_id": high.borrower.pk,
        "borrower_external_id": high.borrower.external_id,
        "phone_id": high.phone.pk,
        "number": high.phone.number,
        "timezone": "America/New_York",
        "zones": ["America/New_York"],
        "window_closes_at": "2026-04-08T01:00:00Z",
        "attempts_left_today": 7,
        "attempts_left_week": 7,
        "agent": "agent1",
        "priority": 10,
        "dpd": 5,
        "bucket": "M1",
        "overdue_amount": "440.00",
        "currency": "USD",
        "vendor_lead_code": f"{high.case.pk}-{high.phone.pk}",
    }
    assert body["next"] is None


def test_a_cease_is_built_from_a_call_list_row(dialer: Dialer) -> None:
    debt = open_case_debt()
    row = dialer.get(URL).json()["results"][0]

    by_id = dialer.post("/api/v1/dnc/", {"type": "cease", "borrower_id": row["borrower_id"]})
    by_theirs = dialer.post("/api/v1/dnc/", {"type": "cease", "borrower_external_id": row["borrower_external_id"]})

    assert by_id.status_code == 201, by_id.json()
    assert by_id.json()["borrower_id"] == debt.borrower.pk
    assert by_theirs.status_code in (200, 201), by_theirs.json()
    assert by_theirs.json()["borrower_id"] == debt.borrower.pk
    assert dialer.get(URL).json()["results"] == []


def test_numbers_the_engine_refuses_are_left_out(dialer: Dialer) -> None:
    fine = open_case_debt()
    ceased = open_case_debt()
    preference_update(borrower=ceased.borrower, changes={"cease_communication": True})
    no_consent = open_case_debt(autodialer_consent=False)
    on_dnc = open_case_debt(do_not_call=True)
    capped = open_case_debt()
    for _ in range(7):
        granted(dialer, capped.phone)

    body = dialer.get(URL).json()

    assert case_ids(body) == [fine.case.pk]
    assert {no_consent.case.pk, on_dnc.case.pk} & set(case_ids(body)) == set()


def test_outside_the_borrowers_window_nothing_is_callable(dialer: Dialer, clock: Clock) -> None:
    open_case_debt()
    clock.advance(hours=12)  # 22:00 in New York

    assert dialer.get(URL).json()["results"] == []


def test_every_number_of_the_borrower_is_a_row(dialer: Dialer) -> None:
    debt = open_case_debt()
    second = Phone.objects.create(
        borrower=debt.borrower, number="+12125559876", type="home", timezones="America/New_York"
    )

    body = dialer.get(URL).json()

    assert [row["phone_id"] for row in body["results"]] == [debt.phone.pk, second.pk]


def test_the_cursor_walks_the_list_without_repeats_or_gaps(dialer: Dialer) -> None:
    debts = [open_case_debt(priority=p, dpd=d) for p, d in [(3, 1), (2, 9), (2, 9), (2, 4), (1, 30), (0, 0)]]

    seen: list[int] = []
    body = dialer.get(URL, {"limit": 2}).json()
    seen += case_ids(body)
    while body["next_cursor"]:
        body = dialer.get(URL, {"limit": 2, "cursor": body["next_cursor"]}).json()
        seen += case_ids(body)

    expected = [d.case.pk for d in sorted(debts, key=lambda d: (-d.case.priority, -d.case.dpd, d.case.pk))]
    assert seen == expected


def test_the_cursor_stays_correct_when_cases_are_added_and_closed_meanwhile(dialer: Dialer) -> None:
    first, second, third, fourth = (open_case_debt(priority=p) for p in (9, 7, 5, 3))
    page = dialer.get(URL, {"limit": 2}).json()
    assert case_ids(page) == [first.case.pk, second.case.pk]

    # Meanwhile: a case ahead of the cursor appears, one already served closes, one behind appears
    open_case_debt(priority=10)
    first.case.status = "closed"
    first.case.save()
    behind = open_case_debt(priority=4)

    rest = dialer.get(URL, {"limit": 10, "cursor": page["next_cursor"]}).json()
    assert case_ids(rest) == [third.case.pk, behind.case.pk, fourth.case.pk]


def test_a_page_can_stop_inside_a_case_and_resume_at_its_next_number(dialer: Dialer) -> None:
    debt = open_case_debt(priority=5)
    second = Phone.objects.create(borrower=debt.borrower, number="+12125559877", type="home", timezones="America/New_York")
    later = open_case_debt(priority=1)

    page = dialer.get(URL, {"limit": 1}).json()
    rest = dialer.get(URL, {"cursor": page["next_cursor"]}).json()

    assert [r["phone_id"] for r in page["results"]] == [debt.phone.pk]
    assert [r["phone_id"] for r in rest["results"]] == [second.pk, later.phone.pk]


def test_team_and_bucket_narrow_the_list(dialer: Dialer) -> None:
    team = make_team("Late", ["M3"])
    theirs = open_case_debt(bucket="M3")
    theirs.case.team = team
    theirs.case.save()
    open_case_debt(bucket="M1")

    assert case_ids(dialer.get(URL, {"team": "Late"}).json()) == [theirs.case.pk]
    assert case_ids(dialer.get(URL, {"team": str(team.pk)}).json()) == [theirs.case.pk]
    assert case_ids(dialer.get(URL, {"bucket": "M3"}).json()) == [theirs.case.pk]


@pytest.mark.parametrize("params", [{"cursor": "garbage!"}, {"cursor": "WzEsMl0"}, {"limit": 0}, {"limit": 5000}])
def test_a_bad_cursor_or_limit_is_400(dialer: Dialer, params: dict[str, object]) -> None:
    response = dialer.get(URL, params)

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_page_costs_the_same_queries_for_ten_cases_as_for_sixty(dialer: Dialer, debt: CaseDebt) -> None:
    for _ in range(9):
        open_case_debt()
    dialer.get(URL)  # the token's first use of the minute notes it (one write)
    with CaptureQueriesContext(connection) as small:
        assert len(dialer.get(URL, {"limit": 100}).json()["results"]) == 10
    for _ in range(50):
        open_case_debt()

    with CaptureQueriesContext(connection) as large:
        assert len(dialer.get(URL, {"limit": 100}).json()["results"]) == 60

    assert len(large) == len(small)
    assert len(large) <= 14


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_page_after_a_cursor_starts_reading_at_the_cursors_place_in_the_index(dialer: Dialer) -> None:
    # Cases before the cursor are not read again: the scan in the list's order starts at the
    # cursor's group of equal priority and days past due (without the bound it fetched every case
    # before the cursor and left each out, so every page cost more than the one before)
    for priority, dpd in [(3, 40), (3, 40), (3, 20), (2, 50), (1, 10)]:
        open_case_debt(priority=priority, dpd=dpd)
    first = dialer.get(URL, {"limit": 2}).json()

    statements: list[tuple[str, object]] = []

    def seen(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(seen):
        dialer.get(URL, {"limit": 2, "cursor": first["next_cursor"]})

    [(chunk, params)] = [(sql, params) for sql, params in statements if 'FROM "collections_app_case"' in sql]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # five cases: the planner would read them all
        cursor.execute("EXPLAIN " + chunk, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: (ROW(priority, dpd) <= ROW(3, 40))" in plan
