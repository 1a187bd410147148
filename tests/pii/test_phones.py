"""Phone numbers at rest (DESIGN.md 18): stored encrypted, found by the blind index of the whole number
(do-not-call register, VICIdial's callback, replies, the import) and by those of its ends (search)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Phone
from collections_app.models import DncEntry, InboundMessage
from config import pii, pii_rewrite
from tests.factories import BorrowerFactory, PhoneFactory

NUMBERS = ["+12125550142", "+8613912345678", "+447900123456"]


def raw(table: str, columns: str, pk: int) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


@pytest.mark.django_db
def test_a_number_is_stored_encrypted_beside_its_blind_indexes_and_read_back_in_clear() -> None:
    phone = PhoneFactory(number=NUMBERS[1])

    number, index, tails = raw("accounts_phone", "number, number_index, number_tails", phone.pk)

    assert number.startswith("pii1:") and NUMBERS[1] not in number
    assert index == pii.phone_index(NUMBERS[1])
    # one keyed hash for each end of 4 digits or more, up to the whole number; no run of its digits
    assert tails.split() == [pii.phone_tail_token("8613912345678"[-n:]) for n in range(4, 14)]
    assert not any("8613912345678"[-n:] in tails for n in range(6, 14))
    assert Phone.objects.get(pk=phone.pk).number == NUMBERS[1]
    assert Phone.objects.get(pk=phone.pk).number_masked == "+86******78"


@pytest.mark.django_db
def test_lookups_by_blind_index_find_the_same_rows_as_the_numbers_themselves() -> None:
    shared = BorrowerFactory(), BorrowerFactory()
    phones = [PhoneFactory(borrower=shared[0], number=NUMBERS[0]), PhoneFactory(borrower=shared[1], number=NUMBERS[0])]
    phones += [PhoneFactory(number=number) for number in NUMBERS[1:]]
    every = list(Phone.objects.all())

    for number in NUMBERS:
        by_index = set(Phone.objects.filter(number_index=pii.phone_index(number)).values_list("pk", flat=True))
        assert by_index == {p.pk for p in every if p.number == number}
    assert Phone.objects.filter(number_index=pii.phone_index("+12125550143")).count() == 0
    with pytest.raises(Exception, match="Unsupported lookup"):  # a filter on a ciphertext fails loudly
        list(Phone.objects.filter(number=NUMBERS[0]))


@pytest.mark.django_db
def test_two_phones_of_one_borrower_cannot_have_the_same_number() -> None:
    from django.db import IntegrityError, transaction

    phone = PhoneFactory(number=NUMBERS[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneFactory(borrower=phone.borrower, number=NUMBERS[0])


@pytest.mark.django_db
def test_the_indexes_a_bulk_copy_left_blank_are_filled_set_based_and_a_second_run_does_nothing() -> None:
    phones = [PhoneFactory(number=number) for number in NUMBERS]
    Phone.objects.update(number_index="", number_tails="")  # as the seeder's COPY leaves them

    first = pii_rewrite.blind_indexes_fill(connection, Phone, chunk=2)
    second = pii_rewrite.blind_indexes_fill(connection, Phone)

    assert (first.rewritten, second.rewritten) == (3, 0)
    for phone in phones:
        stored = Phone.objects.get(pk=phone.pk)
        assert (stored.number_index, stored.number_tails) == (pii.phone_index(phone.number), pii.phone_tails(phone.number))


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_numbers_register_entries_and_replies_written_in_clear() -> None:
    executor = MigrationExecutor(connection)
    forward = [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("accounts", "collections_app")]
    borrower = BorrowerFactory()
    migrate([("accounts", "0005_personal_fields_encrypted"), ("collections_app", "0031_report_messages_bucket")])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_phone (borrower_id, number, type, owner, third_party_name, third_party_relation,
                   third_party_may_contact, autodialer_consent, do_not_call, uncallable, sms_consent, sms_opted_out,
                   timezones, created_at, updated_at)
               VALUES (%s, %s, 'mobile', 'borrower', '', '', false, true, false, false, false, false, '', %s, %s)""",
            [borrower.pk, NUMBERS[0], now, now],
        )
        cursor.execute(
            """INSERT INTO collections_app_dncentry (type, number, email, email_index, active, reason, source,
                   requested_at, created_at, updated_at)
               VALUES ('do_not_call', %s, '', '', true, 'wrong person, a Mr Thistlewood', 'api', %s, %s, %s)""",
            [NUMBERS[1], now, now, now],
        )
        cursor.execute(
            """INSERT INTO collections_app_inboundmessage (integration, provider_message_id, from_number, body, opt_out,
                   received_at)
               VALUES ('sms', 'old-1', %s, %s, false, %s)""",
            [NUMBERS[2], pii.encrypt("hello"), now],
        )

    migrate(forward)

    phone = Phone.objects.get(number_index=pii.phone_index(NUMBERS[0]))
    assert phone.number == NUMBERS[0] and phone.number_tails == pii.phone_tails(NUMBERS[0])
    entry = DncEntry.objects.get(number_index=pii.phone_index(NUMBERS[1]))
    assert (entry.number, entry.reason) == (NUMBERS[1], "wrong person, a Mr Thistlewood")
    assert InboundMessage.objects.get(from_number_index=pii.phone_index(NUMBERS[2])).from_number == NUMBERS[2]
    assert raw("accounts_phone", "number", phone.pk)[0].startswith("pii1:")
    assert raw("collections_app_dncentry", "reason", entry.pk)[0].startswith("pii1:")
