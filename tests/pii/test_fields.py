"""Personal fields as the database holds them: ciphertext under the current key whatever path wrote
the row (save, bulk_create, the bulk update of the import), clear text when the application reads
it, blind indexes beside them, and no lookup on a ciphertext."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from accounts.models import Borrower, EmailAddress
from accounts.services.bulk import objects_update
from config import pii, pii_rewrite
from tests.factories import BorrowerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (names are ours)
        return cursor.fetchone()[0]


def test_a_saved_borrower_is_stored_encrypted_and_read_in_clear() -> None:
    borrower = BorrowerFactory(
        name="Ann Lee", address_line="12 Bowery, New York", postal_code="10013",
        date_of_birth=dt.date(1980, 5, 1), national_id_last4="6789",
    )  # fmt: skip

    for column, clear in (("name", "Ann Lee"), ("address_line", "Bowery"), ("postal_code", "10013"),
                          ("date_of_birth", "1980"), ("national_id_last4", "6789")):  # fmt: skip
        value = stored("accounts_borrower", column, borrower.pk)
        assert value.startswith(f"pii1:{pii.ring().current}:")
        assert clear not in value
    again = Borrower.objects.get(pk=borrower.pk)
    assert (again.name, again.address_line, again.postal_code) == ("Ann Lee", "12 Bowery, New York", "10013")
    assert again.date_of_birth == dt.date(1980, 5, 1)
    assert again.national_id_masked == "*****6789"
    assert Borrower.objects.filter(pk=borrower.pk).values_list("name", flat=True).get() == "Ann Lee"


def test_bulk_create_and_the_bulk_update_write_ciphertext_and_keep_the_name_index() -> None:
    made = Borrower.objects.bulk_create(
        [Borrower(external_id=f"B{i}", name=f"Ann Lee{i}", country="US", timezone="UTC") for i in range(3)]
    )
    rows = list(Borrower.objects.filter(pk__in=[b.pk for b in made]).order_by("pk"))
    for row in rows:
        row.name = f"Zoe {row.external_id}"
    objects_update(Borrower, rows, ["name"])

    for row in rows:
        assert stored("accounts_borrower", "name", row.pk).startswith("pii1:")
        assert Borrower.objects.get(pk=row.pk).name == f"Zoe {row.external_id}"
        index = stored("accounts_borrower", "name_index", row.pk)
        assert pii.name_query_tokens("zoe")[0] in index
        assert pii.name_query_tokens("ann")[0] not in index


def test_a_third_partys_name_and_an_email_address_are_encrypted_and_the_address_found_by_its_index() -> None:
    phone = PhoneFactory(owner="third_party", third_party_name="Bob Lee")
    email = EmailAddress.objects.create(borrower=phone.borrower, address="Ann.Lee@Example.com")

    assert "Bob" not in stored("accounts_phone", "third_party_name", phone.pk)
    assert "Lee" not in stored("accounts_emailaddress", "address", email.pk)
    assert EmailAddress.objects.get(address_index=pii.email_index("ann.lee@example.com")).pk == email.pk


def test_a_lookup_on_an_encrypted_field_is_refused_not_silently_empty() -> None:
    with pytest.raises(FieldError, match="Unsupported lookup 'icontains'"):
        Borrower.objects.filter(name__icontains="Ann").exists()
    with pytest.raises(FieldError):
        Borrower.objects.filter(name="Ann Lee").exists()
    assert not Borrower.objects.filter(date_of_birth__isnull=False).exists()


def test_the_encryption_of_clear_rows_is_resumable_and_fills_the_indexes() -> None:
    """What the data migration does to a book written before encryption."""
    borrowers = BorrowerFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_borrower SET name = 'Ann Lee', address_line = '12 Bowery', date_of_birth = '1980-05-01', "
            "name_index = ''"
        )
    columns = ["name", "date_of_birth", "address_line", "postal_code", "national_id_last4"]
    indexes = {"name_index": ("name", pii.name_index)}

    first = pii_rewrite.reencrypt_table(connection, "accounts_borrower", columns, chunk=2, indexes=indexes)
    second = pii_rewrite.reencrypt_table(connection, "accounts_borrower", columns, chunk=2, indexes=indexes)

    assert (first.scanned, first.rewritten) == (5, 5)
    assert second.rewritten == 0
    for borrower in borrowers:
        again = Borrower.objects.get(pk=borrower.pk)
        assert (again.name, again.address_line, again.date_of_birth) == ("Ann Lee", "12 Bowery", dt.date(1980, 5, 1))
        assert stored("accounts_borrower", "name_index", borrower.pk) == pii.name_index("Ann Lee")
        assert not stored("accounts_borrower", "date_of_birth", borrower.pk).startswith("1980")


def test_an_email_opt_out_is_kept_encrypted_and_found_again_by_its_index() -> None:
    from collections_app.services.dnc import dnc_medium_opt_out_record

    phone = PhoneFactory()
    EmailAddress.objects.create(borrower=phone.borrower, address="ann.lee@example.com")

    entry, created = dnc_medium_opt_out_record(email="Ann.Lee@Example.com ")
    again, created_again = dnc_medium_opt_out_record(email="ann.lee@example.com")

    assert created and not created_again and again.pk == entry.pk
    assert "ann" not in stored("collections_app_dncentry", "email", entry.pk)
    assert again.email == "ann.lee@example.com"
    assert EmailAddress.objects.get(borrower=phone.borrower).opted_out
