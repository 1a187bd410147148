"""The promise hold (DESIGN.md 5): after a promise to pay, no collection call or dial until the
promise's date, except the follow-up the borrower agreed to with it; the dialer's call list leaves
such cases out in SQL, and the engine refuses them with the reason and the time the hold ends."""

from __future__ import annotations

import datetime as dt

import pytest

from collections_app.models import Case
from collections_app.selectors.dialer import call_list
from scheduling.models import Callback, ContactPolicy
from scheduling.presets import US_REG_F
from scheduling.services.callbacks import callback_close
from scheduling.services.policies import policy_revise
from tests.api.conftest import NY, Clock, Dialer, authorize, iso
from tests.collections_app.promise_book import make_case, promise
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db
URL = "/api/v1/dialer/call-list/"
TODAY = dt.date(2026, 4, 7)  # the clock's date in New York (10:00)


def listed(dialer: Dialer) -> list[int]:
    return [row["case_id"] for row in dialer.get(URL).json()["results"]]


def phone_of(case: Case):  # type: ignore[no-untyped-def]
    return case.account.borrower.phones.get()


def test_a_case_with_a_promise_not_due_yet_is_left_out_of_the_call_list_in_sql(dialer: Dialer, clock: Clock) -> None:
    free = make_case(None)
    held = make_case(None)
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY)

    assert listed(dialer) == [free.pk]
    # left out before the engine: the page looked at one case only
    assert call_list(at=clock.at, limit=10).cases_examined == 1


def test_a_dial_on_a_held_case_is_refused_until_the_promises_date(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY)

    response = authorize(dialer, phone_of(held), case_id=held.pk)

    assert response.status_code == 409
    body = response.json()
    assert [reason["code"] for reason in body["reasons"]] == ["promise_hold"]
    assert "2026-04-10" in body["reasons"][0]["message"]
    # the promise's date, once the window opens there (08:00 in New York)
    assert body["next_allowed_at"] == iso(local(NY, 2026, 4, 10, 8))


def test_on_the_borrowers_own_date_the_engine_holds_what_sql_could_not_tell(dialer: Dialer, clock: Clock) -> None:
    # Tomorrow in New York is already today somewhere on earth: SQL keeps the case, the engine holds it.
    held = make_case(None)
    promise(held, (dt.date(2026, 4, 8), "100.00"), today=TODAY)

    assert listed(dialer) == []
    assert call_list(at=clock.at, limit=10).cases_examined == 1
    assert authorize(dialer, phone_of(held), case_id=held.pk).json()["reasons"][0]["code"] == "promise_hold"


def test_from_the_promises_date_the_case_is_called_again(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY)
    clock.at = local(NY, 2026, 4, 10, 9)

    assert listed(dialer) == [held.pk]
    assert authorize(dialer, phone_of(held), case_id=held.pk).status_code == 201


def test_a_plan_holds_until_its_next_open_part(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    taken = promise(held, (dt.date(2026, 4, 9), "50.00"), (dt.date(2026, 4, 16), "50.00"), today=TODAY)
    taken.parts.filter(seq=1).update(status="kept")
    clock.at = local(NY, 2026, 4, 10, 9)

    assert listed(dialer) == []
    assert "2026-04-16" in authorize(dialer, phone_of(held), case_id=held.pk).json()["reasons"][0]["message"]


def test_the_agreed_follow_up_is_called_at_its_time_and_then_the_hold_resumes(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    follow_up = local(NY, 2026, 4, 8, 18)
    taken = promise(held, (dt.date(2026, 4, 12), "100.00"), today=TODAY, follow_up_at=follow_up)
    callback = Callback.objects.get(promise=taken, reason=Callback.Reason.PROMISE)

    refused = authorize(dialer, phone_of(held), case_id=held.pk).json()
    assert refused["next_allowed_at"] == iso(follow_up)  # the follow-up comes before the promise's date

    clock.at = follow_up
    assert listed(dialer) == [held.pk]
    assert authorize(dialer, phone_of(held), case_id=held.pk).status_code == 201

    callback_close(callback=callback)
    assert listed(dialer) == []
    assert authorize(dialer, phone_of(held), case_id=held.pk).json()["reasons"][0]["code"] == "promise_hold"


def test_a_settled_promise_holds_nothing(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    taken = promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY)
    taken.status = "cancelled"
    taken.save()

    assert listed(dialer) == [held.pk]


def test_a_policy_without_the_hold_lets_the_case_be_called(dialer: Dialer, clock: Clock) -> None:
    held = make_case(None)
    promise(held, (dt.date(2026, 4, 10), "100.00"), today=TODAY)
    policy = ContactPolicy.objects.get(name=US_REG_F, is_active=True)
    policy_revise(
        policy=policy, effective_from=clock.at - dt.timedelta(hours=1), rule_changes={"call": {"promise_hold": False}}
    )

    assert listed(dialer) == [held.pk]
    assert authorize(dialer, phone_of(held), case_id=held.pk).status_code == 201
