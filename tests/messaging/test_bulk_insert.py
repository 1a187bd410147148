"""``config.roundtrips.bulk_insert``, the plan's attempts and messages in one statement of binary arrays on
PostgreSQL (``bulk_create`` elsewhere): each row reads back as written, its id set, the personal data
encrypted at rest and the decision's JSON whole whatever characters it holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from collections_app.models import ContactAttempt
from config.roundtrips import bulk_insert
from tests.messaging.conftest import texting_debt

AT = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
AWKWARD = {"reasons": ['a "quote"', "back\\slash", "{brace,comma}", "日本", None, ""], "allowed": True, "n": 1.5}


@pytest.mark.django_db
def test_rows_written_together_read_back_as_written_with_their_ids_and_their_notes_encrypted():
    debt = texting_debt()
    attempts = [
        ContactAttempt(
            account=debt.account, case=debt.case if i else None, phone=debt.phone, channel="sms", source="dialer",
            placed_at=AT + dt.timedelta(minutes=i), notes=f"note {i} \"quoted\"" if i else "", decision=AWKWARD,
            expires_at=None if i else AT,
        )
        for i in range(3)
    ]  # fmt: skip

    bulk_insert(attempts)

    assert all(a.pk is not None and not a._state.adding for a in attempts)
    assert len({a.pk for a in attempts}) == 3
    for attempt in attempts:
        read = ContactAttempt.objects.get(pk=attempt.pk)
        assert (read.placed_at, read.case_id, read.notes, read.decision, read.expires_at, read.status) == (
            attempt.placed_at, attempt.case_id, attempt.notes, AWKWARD, attempt.expires_at, ContactAttempt.Status.RESERVED,
        )  # fmt: skip
        assert read.created_at is not None and read.updated_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM collections_app_contactattempt WHERE id = %s", [attempts[1].pk])
        stored = cursor.fetchone()[0]
    assert stored != attempts[1].notes and stored.startswith("pii1:")
