"""``manage.py import_book`` and ``manage.py import_payments``: counts on success, row errors and a non-zero exit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fixtures.tapes import BOOK_CSV, BOOK_JSON, PAYMENTS_CSV, PAYMENTS_JSON, sample_tape, table_counts

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("file", [BOOK_JSON, BOOK_CSV], ids=["json", "csv"])
def test_import_book_prints_what_it_created(file):
    # when
    printed = _run("import_book", str(file))

    # then
    assert "borrowers: 4 created, 0 updated" in printed
    assert "installments: 12 created, 0 updated" in printed
    assert table_counts()["loans"] == 4


def test_import_book_run_again_prints_updates_only():
    _run("import_book", str(BOOK_JSON))

    printed = _run("import_book", str(BOOK_JSON))

    assert "loans: 0 created, 4 updated" in printed
    assert "payments: 0 created, 2 updated" in printed


def test_import_book_prints_the_bad_row_and_exits_non_zero_writing_nothing(tmp_path: Path):
    # given a tape with an impossible due date
    tape = sample_tape()
    tape["loans"][1]["installments"][0]["due_date"] = "2026-02-30"
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(tape))

    # when
    with pytest.raises(CommandError) as failed:
        _run("import_book", str(file))

    # then
    assert "loans[1].installments[0].due_date: not a date (YYYY-MM-DD)" in str(failed.value)
    assert "nothing was written" in str(failed.value)
    assert failed.value.returncode == 1
    assert table_counts()["borrowers"] == 0


def test_import_book_names_the_csv_row_and_column(tmp_path: Path):
    # given row 5 of the CSV with a negative fee
    text = BOOK_CSV.read_text().splitlines()
    text[4] = text[4].replace(",20.00,0.00,0.00", ",20.00,-1.00,0.00")
    file = tmp_path / "bad.csv"
    file.write_text("\n".join(text) + "\n")

    # when
    with pytest.raises(CommandError) as failed:
        _run("import_book", str(file))

    # then
    assert "row 5.installment_fee: must not be negative" in str(failed.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("book.xml", "<book/>", "give a .json or a .csv file"),
        ("book.json", "{not json", "not valid JSON (line 1"),
    ],
)
def test_import_book_refuses_a_file_it_cannot_read(tmp_path: Path, name, content, message):
    file = tmp_path / name
    file.write_text(content)

    with pytest.raises(CommandError) as failed:
        _run("import_book", str(file))

    assert message in str(failed.value)


@pytest.mark.parametrize("file", [PAYMENTS_JSON, PAYMENTS_CSV], ids=["json", "csv"])
def test_import_payments_posts_once_and_skips_replays(file):
    # given the book
    _run("import_book", str(BOOK_CSV))

    # when
    first = _run("import_payments", str(file))
    again = _run("import_payments", str(file))

    # then
    assert "payments: 2 created, 0 already posted" in first
    assert "payments: 0 created, 2 already posted" in again
    assert table_counts()["payments"] == 2


def test_import_payments_prints_the_bad_row_and_exits_non_zero(tmp_path: Path):
    # given a payment for a loan that is not in the book
    _run("import_book", str(BOOK_CSV))
    file = tmp_path / "payments.csv"
    file.write_text(PAYMENTS_CSV.read_text().replace(",L2,", ",L22,"))

    # when
    with pytest.raises(CommandError) as failed:
        _run("import_payments", str(file))

    # then
    assert "row 3.loan: no loan with external id 'L22'" in str(failed.value)
    assert table_counts()["payments"] == 0
