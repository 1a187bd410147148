"""The demo seeder's COPY path (large books on PostgreSQL, the benchmark's book) writes the personal
columns encrypted, in its worker processes, with the name's blind index beside them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.demo import book, chunks
from accounts.models import Borrower, Phone
from config import pii

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_copy_path_writes_ciphertext_and_the_name_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(book, "CHUNK_ACCOUNTS", 60)
    monkeypatch.setattr(chunks, "CHUNK_ACCOUNTS", 60)
    monkeypatch.setattr(book, "BULK_MIN_ACCOUNTS", 100)  # worker processes and COPY
    call_command("seed_demo", "--accounts", "300", "--seed", "7", "--no-cob")

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COUNT(*) FILTER (WHERE name NOT LIKE 'pii1:%%' OR address_line NOT LIKE 'pii1:%%'
                                         OR postal_code NOT LIKE 'pii1:%%' OR date_of_birth NOT LIKE 'pii1:%%'
                                         OR national_id_last4 NOT LIKE 'pii1:%%' OR name_index = ''),
                      COUNT(*) FROM accounts_borrower"""
        )
        clear, borrowers = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM accounts_phone WHERE third_party_name <> '' AND third_party_name NOT LIKE 'pii1:%%'")
        clear_third_parties = cursor.fetchone()[0]

    assert borrowers > 200 and clear == 0 and clear_third_parties == 0
    assert any(phone.third_party_name for phone in Phone.objects.filter(owner="third_party"))
    someone = Borrower.objects.order_by("pk").first()
    assert someone is not None and someone.name and someone.date_of_birth
    named = Borrower.objects.all()
    for token in pii.name_query_tokens(someone.name):
        named = named.filter(name_index__contains=token)
    assert someone.pk in set(named.values_list("pk", flat=True))
