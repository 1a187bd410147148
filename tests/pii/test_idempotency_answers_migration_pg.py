"""The answers kept for retried POSTs, written in clear (jsonb) before ``collections_app.0038``, are
encrypted by it, and written back as jsonb when it is migrated back."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from collections_app.models import IdempotencyRecord
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("collections_app", "0037_attempts_by_month")]
ANSWER = {"id": 3, "description": "Your agent told my neighbour Hermione Castellane about my debt", "attempt_ids": []}


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "collections_app"]


def stored() -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, response_body::text FROM collections_app_idempotencyrecord ORDER BY id")
        return dict(cursor.fetchall())


def column_type() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT data_type FROM information_schema.columns
               WHERE table_name = 'collections_app_idempotencyrecord' AND column_name = 'response_body'"""
        )
        return str(cursor.fetchone()[0])


def test_the_migration_encrypts_the_answers_kept_in_clear_and_gives_them_back_as_json() -> None:
    forward = latest()
    user = UserFactory()
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO collections_app_idempotencyrecord
                 (user_id, key, method, path, request_hash, status_code, response_body, created_at)
               VALUES (%s, 'k-1', 'POST', '/api/v1/complaints/', '', 201, %s::jsonb, CURRENT_TIMESTAMP),
                      (%s, 'k-2', 'POST', '/api/v1/complaints/', '', 201, NULL, CURRENT_TIMESTAMP)""",
            [user.pk, json.dumps(ANSWER), user.pk],
        )

    migrate(forward)

    encrypted = stored()
    assert str(encrypted["k-1"]).startswith("pii1:") and "Castellane" not in str(encrypted["k-1"])
    assert encrypted["k-2"] is None and column_type() == "text"
    assert dict(IdempotencyRecord.objects.values_list("key", "response_body")) == {"k-1": ANSWER, "k-2": None}

    migrate(BEFORE)
    back = stored()
    assert column_type() == "jsonb" and back["k-2"] is None
    assert json.loads(back["k-1"] or "") == ANSWER
    migrate(forward)
    assert IdempotencyRecord.objects.get(key="k-1").response_body == ANSWER
