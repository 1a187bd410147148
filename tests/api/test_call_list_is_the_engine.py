"""The call list, read as tuples and decided once per group of deciding facts, says what the engine says
of every number asked on its own: on a random book of zones, number types, flags, preferences and history."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt
from collections_app.selectors.dialer import CallListRow, call_list
from scheduling.engine import evaluate
from scheduling.models import ContactPreference
from scheduling.presets import presets_ensure
from tests.api.conftest import open_case_debt
from tests.factories import LoanFactory, PhoneFactory
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db
ZONES = [
    ("US", "NY", "America/New_York"),
    ("US", "CA", "America/Los_Angeles"),
    ("US", "IL", "America/Chicago"),
    ("CN", "", "Asia/Shanghai"),
]


def _random_book(rng: random.Random, at: dt.datetime, size: int) -> None:
    for n in range(size):
        country, region, zone = rng.choice(ZONES)
        phone_zone = rng.choice([zone, zone, zone, "America/Denver"])
        debt = open_case_debt(
            country=country, region=region, timezone=zone, phone_zones=phone_zone,
            phone_type=rng.choice([Phone.Type.MOBILE, Phone.Type.MOBILE, Phone.Type.HOME, Phone.Type.WORK]),
            autodialer_consent=rng.random() < 0.8, priority=rng.randint(0, 3), dpd=rng.randint(1, 90),
        )  # fmt: skip
        if rng.random() < 0.3:  # a second number, sometimes a third party's
            PhoneFactory(
                borrower=debt.borrower, number=f"+1312555{n:04d}", type=Phone.Type.HOME, timezones=zone,
                owner=rng.choice(["borrower", "third_party"]),
            )  # fmt: skip
        if rng.random() < 0.2:
            ContactPreference.objects.create(
                borrower=debt.borrower,
                no_work_calls=rng.random() < 0.5,
                only_after=dt.time(rng.choice([9, 12, 18])),
                dispute_hold_accounts=[debt.account.pk] if rng.random() < 0.2 else [],
            )
        # Attempts earlier this week: calls (some the borrower's, some not dialed, a few conversations)
        # and texts; some borrowers were only texted, as the messaging texts many before the dialer.
        texted_only = rng.random() < 0.2
        for _ in range(rng.choice([1, 3, 7] if texted_only else [0, 0, 0, 1, 3, 7])):
            placed = at - dt.timedelta(hours=rng.randint(1, 24 * 6))
            call = not texted_only and rng.random() < 0.75
            inbound = call and rng.random() < 0.1
            ContactAttempt.objects.create(
                account=debt.account, case=debt.case, phone=debt.phone, placed_at=placed,
                channel=ContactAttempt.Channel.CALL if call else ContactAttempt.Channel.SMS,
                direction=ContactAttempt.Direction.INBOUND if inbound else ContactAttempt.Direction.OUTBOUND,
                status=rng.choice([ContactAttempt.Status.COMPLETED] * 3 + [ContactAttempt.Status.NOT_DIALED]),
                answered_at=placed if rng.random() < 0.3 else None, conversation=rng.random() < 0.05,
                expires_at=placed,
            )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_every_row_of_the_call_list_is_the_engines_decision_and_every_number_it_allows_is_a_row(seed: int) -> None:
    # Given a random book of open cases
    presets_ensure()
    rng = random.Random(seed)
    at = local("America/New_York", 2026, 4, 7, 13)
    _random_book(rng, at, 60)

    # When the dialer reads the whole list in pages
    listed = {}
    cursor = None
    while True:
        page = call_list(at=at, limit=17, cursor=cursor)
        for row in page.rows:
            listed[(row.case.id, row.phone_id)] = row.decision
        cursor = page.next_cursor
        if cursor is None:
            break

    # Then it holds exactly the numbers the engine allows, asked one by one, with the same decision
    expected = {}
    for case in Case.objects.filter(status=Case.Status.OPEN).select_related("account__borrower"):
        for phone in case.account.borrower.phones.filter(do_not_call=False, uncallable=False):
            decision = evaluate(phone=phone, at=at, source="dialer", account=case.account)
            if decision.allowed:
                expected[(case.pk, phone.pk)] = decision
    assert set(listed) == set(expected)
    assert 0 < len(expected) < 80  # the book has numbers callable and others not
    for key, decision in expected.items():
        assert listed[key].as_json() == decision.as_json(), key


def test_calls_about_the_borrowers_other_debt_refuse_this_debts_numbers_on_the_list_as_in_the_engine() -> None:
    # Given a borrower with two debts, one with an open case, and three calls today that reached the
    # borrower about the other debt, one of them still being placed (the daily cap of connected calls
    # is the borrower's, whatever the debt, in China)
    presets_ensure()
    at = local("Asia/Shanghai", 2026, 4, 7, 13)
    shanghai = {"country": "CN", "region": "", "timezone": "Asia/Shanghai", "phone_zones": "Asia/Shanghai"}
    debt = open_case_debt(**shanghai)
    other = LoanFactory(borrower=debt.borrower)
    untouched = open_case_debt(**shanghai)
    for hours, status in [(3, ContactAttempt.Status.COMPLETED), (2, ContactAttempt.Status.COMPLETED),
                          (0, ContactAttempt.Status.RESERVED)]:  # fmt: skip
        placed = at - dt.timedelta(hours=hours, minutes=5)
        ContactAttempt.objects.create(
            account=other, phone=debt.phone, placed_at=placed, status=status, expires_at=at + dt.timedelta(minutes=5),
            answered_at=placed if status == ContactAttempt.Status.COMPLETED else None,
        )  # fmt: skip
    # and a text to the borrower about the debt of the case
    ContactAttempt.objects.create(
        account=debt.account, case=debt.case, phone=debt.phone, placed_at=at - dt.timedelta(hours=1),
        channel=ContactAttempt.Channel.SMS, status=ContactAttempt.Status.COMPLETED, expires_at=at,
    )  # fmt: skip

    # When the dialer reads the list
    rows = call_list(at=at, limit=50).rows

    # Then the case's number is not on it, as the engine refuses it, and the other borrower's is
    refused = evaluate(phone=debt.phone, at=at, source="dialer", account=debt.account)
    assert not refused.allowed
    assert [reason.code for reason in refused.reasons] == ["daily_connected_cap"], refused.as_json()
    assert [(row.case.id, row.phone_id) for row in rows] == [(untouched.case.pk, untouched.phone.pk)]
    assert rows[0].decision.as_json() == evaluate(
        phone=untouched.phone, at=at, source="dialer", account=untouched.account
    ).as_json()

NEW_YORK = {"country": "US", "region": "NY", "timezone": "America/New_York", "phone_zones": "America/New_York"}


def _as_the_engine(rows: list[CallListRow], at: dt.datetime) -> None:
    for row in rows:
        account = Case.objects.select_related("account").get(pk=row.case.id).account
        expected = evaluate(phone=Phone.objects.get(pk=row.phone_id), at=at, source="dialer", account=account)
        assert row.decision.as_json() == expected.as_json(), row.case.id


def test_a_borrower_only_texted_is_listed_as_the_engine_decides_and_no_history_is_read_for_it() -> None:
    # Given two borrowers in New York alike, one texted eight times this week about the case's debt
    # (more than the calls' weekly cap of 7, were texts counted; one text answered as a conversation)
    presets_ensure()
    at = local("America/New_York", 2026, 4, 7, 13)
    texted, untouched = open_case_debt(priority=2, **NEW_YORK), open_case_debt(priority=1, **NEW_YORK)
    for n in range(8):
        placed = at - dt.timedelta(hours=2 + 12 * n)
        ContactAttempt.objects.create(
            account=texted.account, case=texted.case, phone=texted.phone, placed_at=placed,
            channel=ContactAttempt.Channel.SMS, status=ContactAttempt.Status.COMPLETED, expires_at=placed,
            answered_at=placed if n == 0 else None, conversation=n == 0,
        )  # fmt: skip

    # When the dialer reads the list
    with CaptureQueriesContext(connection) as statements:
        rows = call_list(at=at, limit=50).rows

    # Then both numbers are on it with the engine's decisions (no call rule reads texts), and the
    # page read no attempt counts for them: the texted borrower's case was decided with its group
    listed = [(row.case.id, row.phone_id) for row in rows]
    assert listed == [(texted.case.pk, texted.phone.pk), (untouched.case.pk, untouched.phone.pk)]
    _as_the_engine(rows, at)
    assert rows[0].decision.attempts_left_week == 7
    assert not [q["sql"] for q in statements.captured_queries if "direct_prior_consent" in q["sql"]]


def test_a_call_the_borrower_made_keeps_the_case_off_the_list_and_calls_never_dialed_do_not() -> None:
    # Given a New York borrower who called in yesterday and talked about the debt (the cool-down),
    # and another whose eight calls today were never dialed (they count for nothing)
    presets_ensure()
    at = local("America/New_York", 2026, 4, 7, 13)
    called_in, not_dialed = open_case_debt(priority=2, **NEW_YORK), open_case_debt(priority=1, **NEW_YORK)
    yesterday = at - dt.timedelta(days=1)
    ContactAttempt.objects.create(
        account=called_in.account, case=called_in.case, phone=called_in.phone, placed_at=yesterday,
        direction=ContactAttempt.Direction.INBOUND, status=ContactAttempt.Status.COMPLETED,
        answered_at=yesterday, conversation=True, expires_at=yesterday,
    )  # fmt: skip
    for n in range(8):
        placed = at - dt.timedelta(minutes=10 + n)
        ContactAttempt.objects.create(
            account=not_dialed.account, case=not_dialed.case, phone=not_dialed.phone, placed_at=placed,
            status=ContactAttempt.Status.NOT_DIALED, expires_at=placed,
        )  # fmt: skip

    # When the dialer reads the list
    rows = call_list(at=at, limit=50).rows

    # Then the first is refused for the cool-down, as by the engine; the second is listed as the engine says
    refused = evaluate(phone=called_in.phone, at=at, source="dialer", account=called_in.account)
    assert [reason.code for reason in refused.reasons] == ["cool_down"], refused.as_json()
    assert [(row.case.id, row.phone_id) for row in rows] == [(not_dialed.case.pk, not_dialed.phone.pk)]
    _as_the_engine(rows, at)
    assert rows[0].decision.attempts_left_week == 7
