"""Loading the book from a JSON loan tape: what it creates, what a second load does, what it answers."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry, Borrower, Installment, LoanAccount, Payment, Phone
from accounts.services.book_import import book_import
from tests.fixtures.tapes import one_loan_tape, payment, sample_tape, table_counts

pytestmark = pytest.mark.django_db


def test_importing_the_sample_tape_creates_everything_and_maps_every_external_id_and_number():
    # given an empty book
    # when
    result = book_import(data=sample_tape()).as_dict()

    # then
    counts = table_counts()
    assert [counts[t] for t in ("borrowers", "phones", "loans", "installments", "payments")] == [4, 6, 4, 12, 2]
    assert result["created"] == {"borrowers": 4, "phones": 6, "emails": 0, "loans": 4, "installments": 12, "payments": 2}
    assert result["updated"] == dict.fromkeys(result["created"], 0)
    assert result["borrowers"] == dict(Borrower.objects.values_list("external_id", "pk"))
    assert result["loans"] == dict(LoanAccount.objects.values_list("external_id", "pk"))
    assert result["payments"] == dict(Payment.objects.values_list("external_id", "pk"))
    assert result["phones"] == dict(Phone.objects.values_list("number", "pk"))
    assert set(result["phones"]) == {
        "+12125550100", "+12135550147", "+8613812345678", "+862161234567", "+19155550123", "+442079460000",
    }  # fmt: skip
    assert result["phones_by_borrower"]["B1"] == {
        "+12125550100": result["phones"]["+12125550100"],
        "+12135550147": result["phones"]["+12135550147"],
    }


def test_the_imported_loan_carries_its_schedule_and_its_payment_is_allocated():
    # when
    book_import(data=sample_tape())

    # then
    loan = LoanAccount.objects.get(external_id="L1")
    assert (loan.borrower.external_id, loan.currency, loan.principal, loan.rate) == (
        "B1", "USD", Decimal("1200.00"), Decimal("0.1800"),
    )  # fmt: skip
    first = loan.installments.get(seq=1)
    assert (first.interest_paid, first.principal_paid, first.settled_on.isoformat()) == (
        Decimal("20.00"), Decimal("200.00"), "2026-02-01",
    )  # fmt: skip
    # P2 arrived at 02:30 in Shanghai on the due date, 18:30 UTC the day before: on time there.
    assert Payment.objects.get(external_id="P2").value_date.isoformat() == "2026-02-15"


def test_importing_the_same_tape_twice_keeps_one_record_of_each_and_reports_them_as_updated():
    # given
    first = book_import(data=sample_tape()).as_dict()
    counts = table_counts()

    # when
    second = book_import(data=sample_tape()).as_dict()

    # then
    assert table_counts() == counts
    assert second["created"] == dict.fromkeys(second["created"], 0)
    assert second["updated"] == {"borrowers": 4, "phones": 6, "emails": 0, "loans": 4, "installments": 12, "payments": 2}
    for key in ("borrowers", "loans", "phones", "payments"):
        assert second[key] == first[key]


def test_fields_left_out_of_a_later_batch_keep_their_stored_values():
    # given
    book_import(data=sample_tape())

    # when the core system sends B1 again with its required fields only and a new name
    book_import(data={"borrowers": [{"external_id": "B1", "name": "Ann Lee-Park", "country": "US"}]})

    # then
    borrower = Borrower.objects.get(external_id="B1")
    assert borrower.name == "Ann Lee-Park"
    assert (borrower.national_id_last4, borrower.region, borrower.timezone) == ("6789", "NY", "America/New_York")
    assert borrower.phones.count() == 2


def test_a_changed_schedule_of_a_stored_loan_reallocates_its_payments_and_is_audited():
    # given a paid first installment of 200 + 20
    tape = one_loan_tape(
        installments=[{"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00"}],
        payments=[payment("P1", "220.00")],
    )
    book_import(data=tape)

    # when the core system raises its interest to 50.00
    tape["loans"][0]["installments"][0]["interest"] = "50.00"
    book_import(data=tape)

    # then the same 220 pays the interest first and leaves 30 of principal open
    installment = Installment.objects.get(loan__external_id="L1", seq=1)
    assert (installment.interest_paid, installment.principal_paid) == (Decimal("50.00"), Decimal("170.00"))
    assert installment.settled_on is None
    entry = AuditEntry.objects.get(action="installment.changed")
    assert (entry.before, entry.after) == ({"interest_due": "20.00"}, {"interest_due": "50.00"})


def test_a_new_installment_on_a_stored_loan_takes_the_overpayment_that_had_nowhere_to_go():
    # given 300 paid against a single installment of 220
    tape = one_loan_tape(
        installments=[{"seq": 1, "due_date": "2026-02-01", "principal": "200.00", "interest": "20.00"}],
        payments=[payment("P1", "300.00")],
    )
    book_import(data=tape)
    assert Payment.objects.get().unapplied_amount == Decimal("80.00")

    # when the second installment arrives in a later batch
    tape["loans"][0]["installments"] = [{"seq": 2, "due_date": "2026-03-01", "principal": "200.00"}]
    book_import(data=tape)

    # then
    assert Payment.objects.get().unapplied_amount == Decimal("0.00")
    assert Installment.objects.get(seq=2).principal_paid == Decimal("80.00")


def test_the_national_id_is_kept_only_as_a_keyed_hash_and_its_last_four_characters(caplog):
    # when
    with caplog.at_level("DEBUG"):
        book_import(data=sample_tape())

    # then
    borrower = Borrower.objects.get(external_id="B1")  # sent as "123-45-6789"
    expected = hmac.new(settings.PII_HASH_KEY.encode(), b"123456789", hashlib.sha256).hexdigest()
    assert (borrower.national_id_hash, borrower.national_id_last4) == (expected, "6789")
    stored = " ".join(str(v) for v in Borrower.objects.values_list().get(pk=borrower.pk))
    assert "123456789" not in stored and "123-45-6789" not in stored
    assert "123456789" not in caplog.text and "123-45-6789" not in caplog.text


def _tape_of(size: int, *, prefix: str, principal: str = "100.00") -> dict:
    return {
        "borrowers": [
            {"external_id": f"{prefix}B{n}", "name": f"Borrower {n}", "country": "US", "region": "NY",
             "phones": [{"number": f"+1212555{n:04d}"}]}
            for n in range(size)
        ],
        "loans": [
            {"external_id": f"{prefix}L{n}", "borrower": f"{prefix}B{n}", "product": "cash", "currency": "USD", "principal": "100.00",
             "opened_on": "2026-01-01",
             "installments": [{"seq": 1, "due_date": "2026-02-01", "principal": principal}]}
            for n in range(size)
        ],
        "payments": [payment(f"{prefix}P{n}", "10.00", loan=f"{prefix}L{n}") for n in range(size)],
    }  # fmt: skip


def _queries(tape: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        book_import(data=tape)
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_size_of_the_batch():
    # given / when a batch of 5 new loans and one of 40 (each within one SQLite insert batch)
    small, large = _queries(_tape_of(5, prefix="S")), _queries(_tape_of(40, prefix="X"))
    # and both again with a changed schedule: updates and reallocations
    small_again = _queries(_tape_of(5, prefix="S", principal="90.00"))
    large_again = _queries(_tape_of(40, prefix="X", principal="90.00"))

    # then
    assert LoanAccount.objects.count() == 45
    assert small == large
    assert small_again == large_again
