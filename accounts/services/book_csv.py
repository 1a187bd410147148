"""The CSV forms of the loan tape and of payments, read into the JSON form and imported by it.

**Book CSV**: one row per installment. The borrower and loan columns repeat on every row of the
loan; they must agree wherever they repeat. A header row names the columns, in any order; an
empty cell means "not given" (see ``import_fields``); ``*`` marks the required columns:

======================================  ============================================================
``borrower_external_id`` *              the borrower's id in the core system
``borrower_name`` *, ``borrower_country`` *  ISO 3166 alpha-2 country (``US``, ``CN``, ``GB``)
``borrower_national_id``                hashed on arrival, only the last 4 characters kept
``borrower_date_of_birth``              ``YYYY-MM-DD``
``borrower_language``, ``borrower_address``, ``borrower_region``, ``borrower_postal_code``
``borrower_timezone``                   IANA zone; derived when empty (``accounts.services.phones``)
``borrower_deceased``, ``borrower_bankruptcy``, ``borrower_attorney_represented``  booleans
``phone1_number``, ``phone1_type``, ``phone1_owner``, ``phone1_autodialer_consent``,
``phone1_third_party_name``, ``phone1_third_party_relation``, ``phone1_third_party_may_contact``
                                        the first phone; ``phone2_...``, ``phone3_...`` as needed
``loan_external_id`` *, ``loan_product`` *, ``loan_principal`` *, ``loan_opened_on`` *
``loan_currency``, ``loan_rate``        ISO 4217 code (required); annual rate as a decimal
``installment_seq``, ``installment_due_date``, ``installment_principal``,
``installment_interest``, ``installment_fee``, ``installment_penalty``
                                        empty on a row that only declares a loan with no schedule
======================================  ============================================================

Booleans are ``true``/``false``, ``yes``/``no`` or ``1``/``0``. Money is written as in the JSON
form (``1200.00``). A sample is ``tests/fixtures/book.csv`` (the same book as ``book.json``).

**Payments CSV**: the columns ``external_id, loan, amount, received_at, channel``, all required.

Errors name the spreadsheet row (the header is row 1) and the column: ``row 4.installment_due_date:
not a date (YYYY-MM-DD)``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import Payment
from accounts.services.book_import import ImportResult, book_import, payments_import
from accounts.services.book_tape import (
    BORROWER_FIELDS,
    INSTALLMENT_FIELDS,
    LOAN_FIELDS,
    PAYMENT_FIELDS,
    PHONE_FIELDS,
)
from accounts.services.import_fields import Errors

BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
BOOLEAN_FIELDS = {
    "deceased",
    "bankruptcy",
    "attorney_represented",
    "autodialer_consent",
    "third_party_may_contact",
}
BORROWER_COLUMNS = tuple(f"borrower_{name}" for name in BORROWER_FIELDS if name != "phones")
LOAN_COLUMNS = tuple(f"loan_{name}" for name in LOAN_FIELDS if name not in ("borrower", "installments"))
INSTALLMENT_COLUMNS = tuple(f"installment_{name}" for name in INSTALLMENT_FIELDS)
REQUIRED_BOOK_COLUMNS = (
    "borrower_external_id", "borrower_name", "borrower_country",
    "loan_external_id", "loan_product", "loan_principal", "loan_opened_on",
)  # fmt: skip
_PHONE_COLUMN = re.compile(r"^phone([1-9][0-9]?)_(.+)$")
_ELEMENT = re.compile(
    r"^(borrowers\[\d+\](?:\.phones\[\d+\])?|loans\[\d+\](?:\.installments\[\d+\])?)(?:\.(.+))?$"
)


def _cells(row: Mapping[str | None, Any]) -> dict[str, str]:
    return {
        key: (value or "").strip() for key, value in row.items() if key is not None and isinstance(value, str)
    }


def _section(cells: Mapping[str, str], prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The non-empty cells ``<prefix><name>`` as a JSON object, booleans and seq converted."""
    out: dict[str, Any] = {}
    for name in names:
        value = cells.get(f"{prefix}{name}", "")
        if value == "":
            continue
        if name in BOOLEAN_FIELDS and value.lower() in BOOLEANS:
            out[name] = BOOLEANS[value.lower()]
        elif name == "seq" and value.isascii() and value.isdigit():
            out[name] = int(value)
        else:
            out[name] = value
    return out


def _header_check(
    header: list[str], known: set[str], required: tuple[str, ...], errors: Errors, *, phones: bool = False
) -> None:
    for column in header:
        phone = _PHONE_COLUMN.match(column) if phones else None
        if column not in known and not (phone and phone.group(2) in PHONE_FIELDS):
            errors.add(f"row 1.{column}", _("unknown column"))
    for column in required:
        if column not in header:
            errors.add(f"row 1.{column}", _("missing column"))


@dataclass
class CsvBook:
    """A book CSV read into the JSON form, with where each element came from."""

    data: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"borrowers": [], "loans": []})
    # element path (``loans[0].installments[2]``) -> (row number, column prefix)
    places: dict[str, tuple[int, str]] = field(default_factory=dict)
    errors: Errors = field(default_factory=Errors)

    def relabel(self, key: str) -> str:
        """``loans[0].installments[2].due_date`` -> ``row 4.installment_due_date``."""
        match = _ELEMENT.match(key)
        if match is None or match.group(1) not in self.places:
            return key
        row, prefix = self.places[match.group(1)]
        name = match.group(2)
        if name is None:
            return f"row {row}"
        column = "borrower_external_id" if prefix == "loan_" and name == "borrower" else f"{prefix}{name}"
        return f"row {row}.{column}"


class _Rows:
    """The records of a CSV numbered as a spreadsheet does (the header is row 1); a record that
    cannot be read (``csv.Error``: a cell over the field size limit) ends the reading with an error."""

    def __init__(self, text: str, errors: Errors) -> None:
        self.reader = csv.DictReader(io.StringIO(text))
        self.errors = errors
        self.number = 1

    def header(self) -> list[str]:
        try:
            header = [column.strip() for column in self.reader.fieldnames or []]
        except csv.Error as exc:
            self._unreadable(exc)
            return []
        self.reader.fieldnames = header
        return header

    def __iter__(self) -> Iterator[tuple[int, dict[str | None, Any]]]:
        while True:
            self.number += 1
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._unreadable(exc)
                return
            yield self.number, row

    def _unreadable(self, exc: csv.Error) -> None:
        self.errors.add(f"row {self.number}", _("not readable as CSV (%(why)s)") % {"why": exc})


def book_csv_read(text: str) -> CsvBook:
    """Read a book CSV (see the module docstring); disagreements between rows are errors."""
    book = CsvBook()
    rows = _Rows(text, book.errors)
    header = rows.header()
    if not book.errors:
        _header_check(
            header,
            {*BORROWER_COLUMNS, *LOAN_COLUMNS, *INSTALLMENT_COLUMNS},
            REQUIRED_BOOK_COLUMNS,
            book.errors,
            phones=True,
        )
    if book.errors:
        return book
    groups = sorted({int(m.group(1)) for column in header if (m := _PHONE_COLUMN.match(column))})
    borrowers: dict[str, tuple[int, dict[str, Any], dict[int, dict[str, Any]]]] = {}
    loans: dict[str, tuple[int, dict[str, Any], int]] = {}
    for number, row in rows:
        if None in row:
            book.errors.add(f"row {number}", _("more cells than columns"))
        cells = _cells(row)
        if not any(cells.values()):
            continue
        borrower = _section(cells, "borrower_", BORROWER_FIELDS)
        phones = {g: p for g in groups if (p := _section(cells, f"phone{g}_", PHONE_FIELDS))}
        loan = _section(cells, "loan_", LOAN_FIELDS)
        installment = _section(cells, "installment_", INSTALLMENT_FIELDS)
        borrower_id, loan_id = cells.get("borrower_external_id", ""), cells.get("loan_external_id", "")
        if not borrower_id or not loan_id:
            for column, value in (("borrower_external_id", borrower_id), ("loan_external_id", loan_id)):
                if not value:
                    book.errors.add(f"row {number}.{column}", _("required"))
            continue
        loan["borrower"] = borrower_id
        if borrower_id not in borrowers:
            _borrower_add(book, number, borrower, phones)
            borrowers[borrower_id] = (number, borrower, phones)
        else:
            _same_or_error(book, number, borrowers[borrower_id], borrower, phones, borrower_id)
        if loan_id not in loans:
            index = len(book.data["loans"])
            book.data["loans"].append({**loan, "installments": []})
            book.places[f"loans[{index}]"] = (number, "loan_")
            loans[loan_id] = (number, loan, index)
        else:
            first_row, first, index = loans[loan_id]
            for name in sorted(set(first) | set(loan)):
                if first.get(name) != loan.get(name):
                    column = "borrower_external_id" if name == "borrower" else f"loan_{name}"
                    book.errors.add(
                        f"row {number}.{column}",
                        _("differs from row %(row)d for loan %(id)s") % {"row": first_row, "id": loan_id},
                    )
        if installment:
            installments = book.data["loans"][index]["installments"]
            book.places[f"loans[{index}].installments[{len(installments)}]"] = (number, "installment_")
            installments.append(installment)
    return book


def _borrower_add(
    book: CsvBook, number: int, borrower: dict[str, Any], phones: dict[int, dict[str, Any]]
) -> None:
    index = len(book.data["borrowers"])
    book.data["borrowers"].append({**borrower, "phones": list(phones.values())} if phones else borrower)
    book.places[f"borrowers[{index}]"] = (number, "borrower_")
    for position, group in enumerate(phones):
        book.places[f"borrowers[{index}].phones[{position}]"] = (number, f"phone{group}_")


def _same_or_error(
    book: CsvBook,
    number: int,
    first: tuple[int, dict[str, Any], dict[int, dict[str, Any]]],
    borrower: dict[str, Any],
    phones: dict[int, dict[str, Any]],
    borrower_id: str,
) -> None:
    first_row, first_borrower, first_phones = first
    message = _("differs from row %(row)d for borrower %(id)s") % {"row": first_row, "id": borrower_id}
    for name in sorted(set(first_borrower) | set(borrower)):
        if first_borrower.get(name) != borrower.get(name):
            book.errors.add(f"row {number}.borrower_{name}", message)
    for group in sorted(set(first_phones) | set(phones)):
        mine, theirs = phones.get(group, {}), first_phones.get(group, {})
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name) != theirs.get(name):
                book.errors.add(f"row {number}.phone{group}_{name}", message)


def book_import_csv(
    *, text: str, actor: AbstractBaseUser | AnonymousUser | None = None, actor_label: str = ""
) -> ImportResult:
    """Import a book CSV exactly as its JSON form would be; errors name rows and columns."""
    book = book_csv_read(text)
    return book_import(
        data=book.data,
        actor=actor,
        actor_label=actor_label,
        relabel=book.relabel,
        known_errors=book.errors.by_path,
    )


def payments_import_csv(
    *, text: str, actor: AbstractBaseUser | AnonymousUser | None = None, actor_label: str = ""
) -> list[tuple[Payment, bool]]:
    """Post the payments of a CSV (``external_id, loan, amount, received_at, channel``), all or nothing."""
    errors = Errors()
    reader = _Rows(text, errors)
    header = reader.header()
    if not errors:
        _header_check(header, set(PAYMENT_FIELDS), PAYMENT_FIELDS, errors)
    rows: list[dict[str, str]] = []
    paths: list[str] = []
    if not errors:
        for number, row in reader:
            if None in row:
                errors.add(f"row {number}", _("more cells than columns"))
            cells = {k: v for k, v in _cells(row).items() if v}
            if cells:
                rows.append(cells)
                paths.append(f"row {number}")
    return payments_import(
        rows=rows, paths=paths, actor=actor, actor_label=actor_label, known_errors=errors.by_path
    )
