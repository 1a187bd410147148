"""E-mail addresses and SMS consent on the loan tape: where an address came from, consent, errors by row."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Borrower, EmailAddress
from accounts.services.book_import import book_import
from config.errors import DomainError

pytestmark = pytest.mark.django_db


def _tape(**fields: Any) -> dict[str, Any]:
    return {
        "borrowers": [
            {"external_id": "B1", "name": "Ann Lee", "country": "US", "region": "NY", **fields}
        ]
    }


def test_the_tape_brings_addresses_with_their_source_and_consent_and_phones_with_sms_consent() -> None:
    result = book_import(
        data=_tape(
            phones=[{"number": "+12125550100", "sms_consent": True}],
            emails=[
                {"address": "Ann@Example.com", "source": "borrower", "consent": True},
                {"address": "ann.work@example.com", "source": "other"},
            ],
        )
    )
    ann = Borrower.objects.get(external_id="B1")
    assert sorted(ann.emails.values_list("address", "source", "consent")) == [
        ("ann.work@example.com", "other", False),
        ("ann@example.com", "borrower", True),
    ]
    phone = ann.phones.get()
    assert phone.sms_consent and not phone.sms_opted_out and not phone.autodialer_consent
    assert result.created["emails"] == 2


def test_loading_the_same_tape_again_keeps_one_row_per_address_and_updates_consent() -> None:
    book_import(data=_tape(emails=[{"address": "ann@example.com"}]))
    result = book_import(data=_tape(emails=[{"address": "ann@example.com", "consent": True}]))
    assert result.created["emails"] == 0
    assert list(EmailAddress.objects.values_list("address", "consent")) == [("ann@example.com", True)]


def test_a_bad_address_is_refused_by_its_path_and_nothing_is_written() -> None:
    with pytest.raises(DomainError) as refused:
        book_import(data=_tape(emails=[{"address": "ann@"}, {"address": "x@example.com", "source": "guessed"}]))
    assert set(refused.value.errors) >= {"borrowers[0].emails[0].address", "borrowers[0].emails[1].source"}
    assert not Borrower.objects.exists()
