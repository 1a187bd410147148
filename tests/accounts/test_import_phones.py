"""Phones and time zones of imported borrowers: E.164, the zones a number implies, the borrower's zone."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Borrower, Phone
from accounts.services.book_import import book_import
from accounts.services.phones import NormalisedPhone, borrower_timezone_resolve, phone_normalise
from config.errors import DomainError
from config.pii import phone_index
from tests.fixtures.tapes import sample_tape

pytestmark = pytest.mark.django_db


def _borrower(**fields: Any) -> dict[str, Any]:
    return {"external_id": "B1", "name": "Ann Lee", **fields}


def _imported(**fields: Any) -> Borrower:
    book_import(data={"borrowers": [_borrower(**fields)]})
    return Borrower.objects.get(external_id="B1")


def test_numbers_written_nationally_are_read_in_the_borrowers_country_and_stored_in_e164():
    # when
    book_import(data=sample_tape())

    # then
    wang = Borrower.objects.get(external_id="B2")
    assert sorted(wang.phones.values_list("number", "timezones")) == [
        ("+8613812345678", "Asia/Shanghai"),
        ("+862161234567", "Asia/Shanghai"),
    ]


def test_a_phone_keeps_the_time_zone_it_implies_even_when_the_address_is_elsewhere():
    # when
    book_import(data=sample_tape())

    # then Ann lives in New York and has a Los Angeles work number
    assert Borrower.objects.get(external_id="B1").timezone == "America/New_York"
    assert Phone.objects.get(number_index=phone_index("+12135550147")).timezone_list == ["America/Los_Angeles"]


def test_a_toll_free_number_implies_no_particular_time_zone():
    phone = phone_normalise(number="1-800-555-1234", country="US")

    assert (phone.e164, phone.timezones) == ("+18005551234", ())


@pytest.mark.parametrize(
    ("fields", "zone", "overridden"),
    [
        pytest.param({"country": "US", "region": "NY", "timezone": "America/Chicago"}, "America/Chicago", True,
                     id="explicit wins and is marked as an override"),
        pytest.param({"country": "US", "region": "NY", "timezone": "America/New_York"}, "America/New_York", False,
                     id="explicit and equal to the derived zone is no override"),
        pytest.param({"country": "US", "region": "tx", "postal_code": "75201"}, "America/Chicago", False,
                     id="US state"),
        pytest.param({"country": "US", "region": "TX", "postal_code": "79901"}, "America/Denver", False,
                     id="ZIP prefix in a split state (El Paso)"),
        pytest.param({"country": "US", "region": "AZ"}, "America/Phoenix", False,
                     id="Arizona keeps no daylight saving time"),
        pytest.param({"country": "US", "phones": [{"number": "(415) 555-0100"}]}, "America/Los_Angeles", False,
                     id="no state: the first phone"),
        pytest.param({"country": "CN", "region": "Sichuan"}, "Asia/Shanghai", False, id="China"),
        pytest.param({"country": "GB", "postal_code": "SW1A 1AA"}, "Europe/London", False, id="United Kingdom"),
    ],
)  # fmt: skip
def test_the_borrowers_time_zone_comes_from_explicit_then_address_then_phones_then_country(fields, zone, overridden):
    # when
    borrower = _imported(**fields)

    # then
    assert (borrower.timezone, borrower.timezone_overridden) == (zone, overridden)


def test_the_address_wins_over_the_phones():
    zone = borrower_timezone_resolve(
        explicit=None,
        country="US",
        region="NY",
        phones=[NormalisedPhone("+14155550100", ("America/Los_Angeles",))],
    )

    assert zone == "America/New_York"


def test_a_stored_zone_is_kept_before_the_country_default_when_nothing_else_tells():
    zone = borrower_timezone_resolve(explicit=None, country="GB", current="Europe/Dublin")

    assert zone == "Europe/Dublin"


def test_an_override_stays_when_a_later_batch_gives_no_zone():
    # given an explicit zone that differs from the address
    _imported(country="US", region="NY", timezone="America/Chicago")

    # when the next batch sends the borrower without a zone
    borrower = _imported(country="US", region="NY")

    # then
    assert (borrower.timezone, borrower.timezone_overridden) == ("America/Chicago", True)


def test_a_move_to_another_state_moves_a_derived_zone():
    # given
    _imported(country="US", region="NY")

    # when
    borrower = _imported(country="US", region="CA")

    # then
    assert borrower.timezone == "America/Los_Angeles"


def test_the_same_number_twice_for_one_borrower_is_a_row_error():
    phones = [{"number": "+12125550100"}, {"number": "(212) 555-0100"}]
    with pytest.raises(DomainError) as refused:
        _imported(country="US", region="NY", phones=phones)

    assert refused.value.errors == {"borrowers[0].phones[1].number": ["the same number as borrowers[0].phones[0]"]}


def test_a_phone_is_upserted_by_borrower_and_number():
    # given
    _imported(country="US", region="NY", phones=[{"number": "+12125550100", "autodialer_consent": False}])

    # when the same number comes written differently, with consent now given
    _imported(country="US", region="NY", phones=[{"number": "212-555-0100", "autodialer_consent": True}])

    # then
    phone = Phone.objects.get()
    assert (phone.number, phone.autodialer_consent) == ("+12125550100", True)


def test_a_number_shared_by_two_borrowers_is_mapped_per_borrower():
    # when a relative's phone is on two borrowers
    result = book_import(
        data={
            "borrowers": [
                _borrower(country="US", region="NY", phones=[{"number": "+12125550100"}]),
                {**_borrower(country="US", region="NY", phones=[{"number": "+12125550100"}]), "external_id": "B2"},
            ]
        }
    ).as_dict()

    # then
    first, second = Phone.objects.order_by("borrower__external_id")
    assert result["phones"] == {"+12125550100": first.pk}
    assert result["phones_by_borrower"] == {"B1": {"+12125550100": first.pk}, "B2": {"+12125550100": second.pk}}
