"""The reasons given to reveal personal data, written in clear before ``accounts.0009``, are encrypted
by it (in chunks, resumable), and written in clear again when it is migrated back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import PiiReveal
from tests.factories import BorrowerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("accounts", "0008_audit_reasons_encrypted")]
# Longer than a ciphertext of 255 characters holds: the way back must decrypt before the column shrinks.
REASON = ("Her son Caspian Wetherby answers the mobile and says she moved to her sister's at Marlowe Street; "
          "she asked us to write to her there instead, ")  # fmt: skip
REASON = (REASON * 2)[:255]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "accounts"]


def stored() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT field, reason FROM accounts_piireveal ORDER BY id")
        return dict(cursor.fetchall())


def test_the_migration_encrypts_the_reasons_written_in_clear_and_decrypts_them_on_the_way_back() -> None:
    forward = latest()
    user, borrower = UserFactory(), BorrowerFactory()
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_piireveal (user_id, borrower_id, field, reason, revealed_at)
               VALUES (%s, %s, 'address', %s, CURRENT_TIMESTAMP), (%s, %s, 'phone:1', 'call', CURRENT_TIMESTAMP)""",
            [user.pk, borrower.pk, REASON, user.pk, borrower.pk],
        )

    migrate(forward)

    encrypted = stored()
    assert all(value.startswith("pii1:") for value in encrypted.values())
    assert "Caspian" not in encrypted["address"] and len(encrypted["address"]) > 255
    assert dict(PiiReveal.objects.values_list("field", "reason")) == {"address": REASON, "phone:1": "call"}

    migrate(BEFORE)
    assert stored() == {"address": REASON, "phone:1": "call"}
    migrate(forward)
    assert dict(PiiReveal.objects.values_list("field", "reason")) == {"address": REASON, "phone:1": "call"}
