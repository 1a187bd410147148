"""POST dnc/ and GET dnc/: the do-not-call register, honoured by the engine, with its change feed."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Phone
from collections_app.models import DncEntry
from collections_app.services import dnc as dnc_service
from collections_app.services.dnc import dnc_reconcile
from scheduling.models import ContactPreference
from tests.api.conftest import CaseDebt, Clock, Dialer, authorize, dialer_client, open_case_debt

pytestmark = pytest.mark.django_db
URL = "/api/v1/dnc/"


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dnc_service, "FEED_SETTLE_SECONDS", 0)


def test_a_number_pushed_on_the_list_is_no_longer_dialed(dialer: Dialer, debt: CaseDebt) -> None:
    response = dialer.post(URL, {"type": "do_not_call", "number": debt.phone.number, "reason": "asked"})

    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["number"], body["borrower_id"], body["active"]) == (
        "do_not_call", debt.phone.number, debt.borrower.pk, True,
    )  # fmt: skip
    assert Phone.objects.get(pk=debt.phone.pk).do_not_call is True
    refused = authorize(dialer, debt.phone)
    assert refused.status_code == 409
    assert [r["code"] for r in refused.json()["reasons"]] == ["do_not_call"]


def test_every_borrowers_phone_with_that_number_is_flagged(dialer: Dialer, debt: CaseDebt) -> None:
    other = open_case_debt()
    shared = Phone.objects.create(borrower=other.borrower, number=debt.phone.number, timezones="America/New_York")

    dialer.post(URL, {"type": "do_not_call", "phone_id": debt.phone.pk})

    assert Phone.objects.get(pk=shared.pk).do_not_call is True
    assert DncEntry.objects.get().borrower_id is None  # two borrowers: the entry is the number's


def test_the_same_entry_pushed_twice_is_one_entry(dialer: Dialer, debt: CaseDebt) -> None:
    first = dialer.post(URL, {"type": "do_not_call", "number": debt.phone.number})
    again = dialer.post(URL, {"type": "do_not_call", "number": debt.phone.number})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert DncEntry.objects.count() == 1


def test_a_number_not_in_the_book_is_kept_on_the_list(dialer: Dialer) -> None:
    response = dialer.post(URL, {"type": "do_not_call", "number": "+1 (646) 555-0199"})

    assert response.status_code == 201
    assert response.json()["number"] == "+16465550199"


def test_a_cease_request_blocks_every_channel_of_the_borrower(dialer: Dialer, debt: CaseDebt) -> None:
    response = dialer.post(URL, {"type": "cease", "borrower_external_id": debt.borrower.external_id})

    assert response.status_code == 201
    assert response.json()["borrower_external_id"] == debt.borrower.external_id
    assert ContactPreference.objects.get(borrower=debt.borrower).cease_communication is True
    assert [r["code"] for r in authorize(dialer, debt.phone).json()["reasons"]] == ["cease"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "do_not_call"}, 400, "number"),
        ({"type": "do_not_call", "number": "12"}, 400, "number"),
        ({"type": "do_not_call", "phone_id": 999999}, 404, "phone_id"),
        ({"type": "cease"}, 400, "borrower_id"),
        ({"type": "cease", "borrower_id": 999999}, 404, "borrower_id"),
        ({"type": "cease", "borrower_external_id": "nobody"}, 404, "borrower_external_id"),
        ({"type": "unsubscribe", "number": "+12125550100"}, 400, "type"),
    ],
)
def test_a_bad_entry_is_refused_by_field_and_writes_nothing(
    dialer: Dialer, body: dict[str, object], status: int, field: str
) -> None:
    response = dialer.post(URL, body)

    assert response.status_code == status
    assert list(response.json()["errors"]) == [field]  # under the field that was sent
    assert not DncEntry.objects.exists()


def test_the_feed_lists_changes_oldest_first_and_resumes_from_its_cursor(dialer: Dialer, clock: Clock) -> None:
    numbers = [f"+1212555{n:04d}" for n in range(5000, 5005)]
    for number in numbers[:3]:
        dialer.post(URL, {"type": "do_not_call", "number": number})
        clock.advance(seconds=1)

    page = dialer.get(URL, {"limit": 2}).json()
    rest = dialer.get(URL, {"cursor": page["next_cursor"]}).json()
    for number in numbers[3:]:
        clock.advance(seconds=1)
        dialer.post(URL, {"type": "do_not_call", "number": number})
    later = dialer.get(URL, {"cursor": rest["next_cursor"]}).json()

    assert [e["number"] for e in page["results"]] == numbers[:2]
    assert page["has_more"] is True
    assert [e["number"] for e in rest["results"]] == numbers[2:3]
    assert rest["has_more"] is False
    assert [e["number"] for e in later["results"]] == numbers[3:]


def test_the_feed_from_a_date(dialer: Dialer, clock: Clock) -> None:
    dialer.post(URL, {"type": "do_not_call", "number": "+12125556001"})
    since = clock.advance(minutes=5)
    clock.advance(seconds=1)
    dialer.post(URL, {"type": "do_not_call", "number": "+12125556002"})

    body = dialer.get(URL, {"updated_since": since.isoformat()}).json()

    assert [e["number"] for e in body["results"]] == ["+12125556002"]


def test_an_entry_younger_than_the_settle_time_waits_for_the_next_pull(
    dialer: Dialer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dnc_service, "FEED_SETTLE_SECONDS", 2)
    dialer.post(URL, {"type": "do_not_call", "number": "+12125556001"})

    assert dialer.get(URL).json()["results"] == []
    clock.advance(seconds=3)
    assert len(dialer.get(URL).json()["results"]) == 1


def test_a_bad_cursor_is_400(dialer: Dialer) -> None:
    assert dialer.get(URL, {"cursor": "nope"}).status_code == 400


def test_a_token_without_the_dnc_scope_is_refused(dialer: Dialer) -> None:
    narrow = dialer_client("narrow", scopes=["dialer"])

    assert narrow.get(URL).status_code == 403
    assert narrow.post(URL, {"type": "do_not_call", "number": "+12125556001"}).status_code == 403


def test_reconcile_registers_flags_set_elsewhere(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    Phone.objects.filter(pk=debt.phone.pk).update(do_not_call=True)
    ContactPreference.objects.create(borrower=debt.borrower, cease_communication=True, cease_requested_at=clock.at)

    created = dnc_reconcile()

    assert created == 2
    assert dnc_reconcile() == 0
    assert set(DncEntry.objects.values_list("type", "source")) == {("do_not_call", "reconcile"), ("cease", "reconcile")}
    assert dt.timedelta(0) <= clock.at - DncEntry.objects.get(type="cease").requested_at
