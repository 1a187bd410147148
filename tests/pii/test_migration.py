"""The data migrations encrypt a book written in clear (before DESIGN.md 18): run backwards to the
schema of then, rows written as they were, run forwards again; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Borrower, EmailAddress, Phone
from collections_app.models import DncEntry
from config import pii

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0004_search_indexes"), ("collections_app", "0028_channel_costs")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("accounts", "collections_app")]


def test_the_migrations_encrypt_a_book_written_in_clear_and_fill_its_blind_indexes() -> None:
    forward = latest()
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_borrower (external_id, name, national_id_hash, national_id_last4, date_of_birth,
                   language, address_line, country, region, postal_code, timezone, timezone_overridden, deceased,
                   bankruptcy, attorney_represented, created_at, updated_at)
               VALUES ('OLD-B1', 'Ann Lee', '', '6789', '1980-05-01', 'en', '12 Bowery', 'US', 'NY', '10013',
                   'America/New_York', false, false, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"""
        )
        cursor.execute("SELECT id FROM accounts_borrower WHERE external_id = 'OLD-B1'")
        borrower_id = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO accounts_emailaddress (borrower_id, address, source, consent, opted_out, created_at, updated_at)
               VALUES (%s, 'Ann.Lee@example.com', 'borrower', true, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)""",
            [borrower_id],
        )
        cursor.execute(
            """INSERT INTO collections_app_dncentry (type, number, email, active, reason, source, requested_at,
                   created_at, updated_at)
               VALUES ('email_opt_out', '', 'bob@example.com', true, '', 'api', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
                   CURRENT_TIMESTAMP)"""
        )

    migrate(forward)

    borrower = Borrower.objects.get(external_id="OLD-B1")
    assert (borrower.name, borrower.address_line, borrower.postal_code) == ("Ann Lee", "12 Bowery", "10013")
    assert borrower.date_of_birth == dt.date(1980, 5, 1) and borrower.national_id_masked == "*****6789"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, name_index, date_of_birth FROM accounts_borrower WHERE id = %s", [borrower.pk])
        name, name_index, born = cursor.fetchone()
    assert name.startswith("pii1:") and born.startswith("pii1:") and name_index == pii.name_index("Ann Lee")
    assert EmailAddress.objects.get(address_index=pii.email_index("ann.lee@example.com")).address == "Ann.Lee@example.com"
    assert DncEntry.objects.get(email_index=pii.email_index("bob@example.com")).email == "bob@example.com"
    assert not Phone.objects.exists()
