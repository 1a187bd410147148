"""``manage.py pii_rotate``: every personal value re-encrypted under the new current key, in
resumable chunks with progress, while the application keeps writing (PostgreSQL)."""

from __future__ import annotations

import base64
import os
import random
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from accounts.models import Borrower, EmailAddress, Phone, PiiReveal
from accounts.services.pii import pii_reveal_record
from collections_app.models import DncEntry, IdempotencyRecord, InboundMessage
from config import pii, pii_rewrite
from tests.factories import BorrowerFactory, PhoneFactory, UserFactory

OLD = "k1:" + base64.b64encode(os.urandom(32)).decode()
NEW = "k2:" + base64.b64encode(os.urandom(32)).decode()


def under_key(key_id: str) -> int:
    """Values of every encrypted column still under ``key_id``."""
    count = 0
    with connection.cursor() as cursor:
        for table, columns in pii_rewrite.encrypted_columns().items():
            for column in columns:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE %s", [f"pii1:{key_id}:%"])  # noqa: S608
                count += cursor.fetchone()[0]
    return count


def book_under_old_key(borrowers: int) -> None:
    with override_settings(PII_ENCRYPTION_KEYS=OLD):
        for i in range(borrowers):
            borrower = BorrowerFactory(name=f"Ann Lee{i}", address_line=f"{i} Bowery")
            if i % 5 == 0:
                PhoneFactory(borrower=borrower, owner="third_party", third_party_name=f"Bob Lee{i}")
                EmailAddress.objects.create(borrower=borrower, address=f"ann{i}@example.com")


@pytest.mark.django_db
def test_rotation_brings_every_value_under_the_new_key_with_progress_and_resumes() -> None:
    book_under_old_key(12)
    out = StringIO()
    with override_settings(PII_ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("pii_rotate", "--chunk", "5", stdout=out)
        again = StringIO()
        call_command("pii_rotate", stdout=again)

    assert "accounts_borrower: 12 rows read, 12 re-encrypted" in out.getvalue()
    assert "Every personal value is under key 'k2'" in out.getvalue()
    assert "accounts_borrower: 12 rows read, 0 re-encrypted" in again.getvalue()
    assert under_key("k1") == 0 and under_key("k2") > 0
    with override_settings(PII_ENCRYPTION_KEYS=NEW):  # the old key can leave the ring
        assert sorted(b.name for b in Borrower.objects.all())[:2] == ["Ann Lee0", "Ann Lee1"]


@pytest.mark.django_db
def test_rotation_covers_phone_numbers_the_register_and_case_texts_and_keeps_their_blind_indexes() -> None:
    with override_settings(PII_ENCRYPTION_KEYS=OLD):
        phone = PhoneFactory(number="+12125550142")
        DncEntry.objects.create(
            type="do_not_call", number="+13475551987", reason="wrong person", requested_at=timezone.now()
        )
        InboundMessage.objects.create(
            integration="sms", provider_message_id="r1", from_number="+12125550142", body="hi",
            received_at=timezone.now(),
        )  # fmt: skip
    tables = pii_rewrite.encrypted_columns()
    assert "number" in tables["accounts_phone"] and "reason" in tables["collections_app_dncentry"]
    assert {"description", "resolution_note"} <= set(tables["collections_app_complaint"])
    assert {"reason", "verification"} <= set(tables["collections_app_dispute"])
    assert "coaching_note" in tables["collections_app_qareview"]
    assert "from_number" in tables["collections_app_inboundmessage"]

    with override_settings(PII_ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("pii_rotate", stdout=StringIO())

    assert under_key("k1") == 0
    with override_settings(PII_ENCRYPTION_KEYS=NEW):
        index = pii.phone_index("+12125550142")
        assert Phone.objects.get(number_index=index).pk == phone.pk
        assert Phone.objects.get(pk=phone.pk).number == "+12125550142"
        entry = DncEntry.objects.get(number_index=pii.phone_index("+13475551987"))
        assert (entry.number, entry.reason) == ("+13475551987", "wrong person")
        assert InboundMessage.objects.get(from_number_index=index).from_number == "+12125550142"


@pytest.mark.django_db
def test_rotation_covers_the_reasons_agents_give_to_reveal_personal_data() -> None:
    with override_settings(PII_ENCRYPTION_KEYS=OLD):
        reveal = pii_reveal_record(
            user=UserFactory(), borrower=BorrowerFactory(), field="address", reason="Her son Tom answers the mobile"
        )

    with override_settings(PII_ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("pii_rotate", stdout=StringIO())

    assert "reason" in pii_rewrite.encrypted_columns()["accounts_piireveal"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM accounts_piireveal WHERE id = %s", [reveal.pk])
        assert cursor.fetchone()[0].startswith("pii1:k2:")
    assert under_key("k1") == 0
    with override_settings(PII_ENCRYPTION_KEYS=NEW):
        assert PiiReveal.objects.get(pk=reveal.pk).reason == "Her son Tom answers the mobile"


@pytest.mark.django_db
def test_rotation_covers_the_answers_kept_for_idempotent_retries() -> None:
    answer = {"id": 7, "description": "My neighbour Hermione Castellane was told about my debt"}
    with override_settings(PII_ENCRYPTION_KEYS=OLD):
        record = IdempotencyRecord.objects.create(
            user=UserFactory(), key="k-1", method="POST", path="/api/v1/complaints/", request_hash="0" * 64,
            status_code=201, response_body=answer,
        )  # fmt: skip

    with override_settings(PII_ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        call_command("pii_rotate", stdout=StringIO())

    assert "response_body" in pii_rewrite.encrypted_columns()["collections_app_idempotencyrecord"]
    assert under_key("k1") == 0
    with override_settings(PII_ENCRYPTION_KEYS=NEW):
        assert IdempotencyRecord.objects.get(pk=record.pk).response_body == answer


@pytest.mark.django_db
def test_rotation_without_the_key_a_value_was_written_with_stops_and_names_it() -> None:
    book_under_old_key(1)
    with override_settings(PII_ENCRYPTION_KEYS=NEW), pytest.raises(CommandError, match="under key 'k1'"):
        call_command("pii_rotate", stdout=StringIO())


def test_a_new_key_entry_is_printed_for_the_ring() -> None:
    out = StringIO()
    call_command("pii_rotate", "--new-key", "k3", stdout=out)

    assert pii.parse_keys(out.getvalue().strip())[0][0] == "k3"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rotation_under_load_leaves_every_row_readable_and_none_under_the_old_key() -> None:
    book_under_old_key(400)
    ids = list(Borrower.objects.values_list("pk", flat=True))
    latest: dict[int, str] = {}
    done = threading.Event()
    errors: list[BaseException] = []

    def application() -> None:
        """Agents and imports at work: names changed and borrowers added meanwhile."""
        rng = random.Random(5)
        try:
            n = 0
            while not done.is_set():
                n += 1
                borrower = Borrower.objects.get(pk=rng.choice(ids))
                borrower.name = f"Zoe Ray{n}"
                borrower.save(update_fields=["name", "name_index"])
                latest[borrower.pk] = borrower.name
                if n % 10 == 0:
                    latest[BorrowerFactory(name=f"New Person{n}").pk] = f"New Person{n}"
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    with override_settings(PII_ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        worker = threading.Thread(target=application)
        worker.start()
        try:
            out = StringIO()
            call_command("pii_rotate", "--chunk", "25", stdout=out)
        finally:
            done.set()
            worker.join(timeout=60)

    assert not errors, errors
    assert len(latest) > 5, "the application wrote while the rotation ran"
    assert under_key("k1") == 0
    with override_settings(PII_ENCRYPTION_KEYS=NEW):
        names = dict(Borrower.objects.values_list("pk", "name"))
        assert all(b.address_line or b.name for b in Borrower.objects.all())
        assert all(p.third_party_name for p in PhoneFactory._meta.model.objects.filter(owner="third_party"))
        assert all(e.address for e in EmailAddress.objects.all())
    for pk, name in latest.items():
        assert names[pk] == name, "a write of the application was lost"
