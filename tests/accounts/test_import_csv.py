"""The CSV loan tape (one row per installment) loads exactly what its JSON form loads."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction

from accounts.models import Borrower, Installment, LoanAccount, Phone
from accounts.services.book_csv import book_import_csv, payments_import_csv
from accounts.services.book_import import book_import
from config.errors import DomainError
from tests.fixtures.tapes import BOOK_CSV, PAYMENTS_CSV, sample_tape, table_counts

pytestmark = pytest.mark.django_db

CSV_TEXT = BOOK_CSV.read_text()


def _book_as_stored() -> dict[str, list[tuple]]:
    """Every stored value that came from the tape, without ids and timestamps."""
    return {
        "borrowers": sorted(
            Borrower.objects.values_list(
                "external_id", "name", "national_id_hash", "national_id_last4", "date_of_birth", "language",
                "address_line", "country", "region", "postal_code", "timezone", "timezone_overridden",
            )
        ),
        "phones": sorted(
            Phone.objects.values_list(
                "borrower__external_id", "number", "type", "owner", "third_party_name", "third_party_relation",
                "autodialer_consent", "timezones",
            )
        ),
        "loans": sorted(
            LoanAccount.objects.values_list(
                "external_id", "borrower__external_id", "product", "currency", "principal", "rate", "opened_on",
            )
        ),
        "installments": sorted(
            Installment.objects.values_list(
                "loan__external_id", "seq", "due_date", "principal_due", "interest_due", "fee_due", "penalty_due",
            )
        ),
    }  # fmt: skip


def _with_cells(changes: dict[tuple[int, str], str], text: str = CSV_TEXT) -> str:
    """The CSV with the cells at (spreadsheet row, column) replaced."""
    rows = list(csv.reader(io.StringIO(text)))
    for (number, column), value in changes.items():
        rows[number - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_the_csv_sample_loads_the_same_book_as_the_json_sample():
    # given the JSON tape loaded, recorded, then rolled back
    with transaction.atomic():
        book_import(data=sample_tape(payments=False))
        from_json = _book_as_stored()
        transaction.set_rollback(True)
    assert table_counts()["borrowers"] == 0

    # when
    result = book_import_csv(text=CSV_TEXT)

    # then
    assert _book_as_stored() == from_json
    assert result.created == {"borrowers": 4, "phones": 6, "emails": 0, "loans": 4, "installments": 12, "payments": 0}


def test_loading_the_csv_twice_keeps_one_record_of_each():
    # given
    book_import_csv(text=CSV_TEXT)
    counts = table_counts()

    # when
    result = book_import_csv(text=CSV_TEXT)

    # then
    assert table_counts() == counts
    assert result.created == dict.fromkeys(result.created, 0)


def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_written():
    # given row 3 (the second installment of L1) with a bad date and a negative amount
    text = _with_cells({(3, "installment_due_date"): "2026-13-01", (3, "installment_principal"): "-200.00"})
    before = table_counts()

    # when
    with pytest.raises(DomainError) as refused:
        book_import_csv(text=text)

    # then
    assert refused.value.errors == {
        "row 3.installment_due_date": ["not a date (YYYY-MM-DD)"],
        "row 3.installment_principal": ["must not be negative"],
    }
    assert table_counts() == before


def test_a_loan_without_a_currency_or_due_in_year_one_is_refused_by_its_row():
    # given L1 (rows 2-7) without a currency, its first installment (row 2) due 0001-01-01
    changes = {(row, "loan_currency"): "" for row in range(2, 8)}
    text = _with_cells({**changes, (2, "installment_due_date"): "0001-01-01"})
    before = table_counts()

    # when
    with pytest.raises(DomainError) as refused:
        book_import_csv(text=text)

    # then
    assert refused.value.errors == {
        "row 2.loan_currency": ["required"],
        "row 2.installment_due_date": ["before the loan was opened (2026-01-01)"],
    }
    assert table_counts() == before


def test_a_bad_phone_and_an_unknown_time_zone_name_their_cells():
    # given Ann's work number without its area code on all her rows (2-7), Olivia's zone misspelt (row 13)
    changes = {(row, "phone2_number"): "555-0147" for row in range(2, 8)}
    text = _with_cells({**changes, (13, "borrower_timezone"): "Europe/Londres"})

    # when
    with pytest.raises(DomainError) as refused:
        book_import_csv(text=text)

    # then
    assert set(refused.value.errors) == {"row 2.phone2_number", "row 13.borrower_timezone"}


def test_rows_that_disagree_about_their_borrower_are_refused():
    # given the borrower's name changed on L1's third row only
    text = _with_cells({(4, "borrower_name"): "Ann Leigh"})

    # when
    with pytest.raises(DomainError) as refused:
        book_import_csv(text=text)

    # then
    assert refused.value.errors == {"row 4.borrower_name": ["differs from row 2 for borrower B1"]}


def test_unknown_and_missing_columns_are_reported_on_the_header_row():
    text = CSV_TEXT.replace("loan_opened_on", "loan_opening_date", 1)

    with pytest.raises(DomainError) as refused:
        book_import_csv(text=text)

    assert refused.value.errors == {
        "row 1.loan_opening_date": ["unknown column"],
        "row 1.loan_opened_on": ["missing column"],
    }


def test_payments_load_from_csv_once():
    # given
    book_import_csv(text=CSV_TEXT)

    # when
    first = payments_import_csv(text=PAYMENTS_CSV.read_text())
    again = payments_import_csv(text=PAYMENTS_CSV.read_text())

    # then
    assert [(p.external_id, created) for p, created in first] == [("P1", True), ("P2", True)]
    assert [created for _p, created in again] == [False, False]
    assert table_counts()["payments"] == 2


def test_a_bad_payment_row_names_its_row():
    book_import_csv(text=CSV_TEXT)
    text = _with_cells({(3, "amount"): "1,035.00"}, PAYMENTS_CSV.read_text())

    with pytest.raises(DomainError) as refused:
        payments_import_csv(text=text)

    assert refused.value.errors == {"row 3.amount": ["not a decimal amount"]}
    assert table_counts()["payments"] == 0
