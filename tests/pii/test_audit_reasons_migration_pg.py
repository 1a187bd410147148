"""The audit trail's reasons, written in clear before ``accounts.0008``, are encrypted by it, and the
audit table (partitioned by month) keeps every index on every partition through the rewrite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import AuditEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("accounts", "0007_snapshots_transitions_audit_by_month")]
REASON = "Her brother Lysander Oakhurst says she moved to Marlowe Street"


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "accounts"]


def partition_indexes() -> list[tuple[str, str]]:
    """(partition, index definition without its name) of every partition of the audit table, and its valid parents."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, regexp_replace(pg_get_indexdef(x.indexrelid), 'INDEX \\S+ ON', 'INDEX ON')
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indrelid = i.inhrelid
               WHERE i.inhparent = 'accounts_auditentry'::regclass
               UNION ALL
               SELECT 'parent', pg_get_indexdef(x.indexrelid) FROM pg_index x
               WHERE x.indrelid = 'accounts_auditentry'::regclass AND x.indisvalid
               ORDER BY 1, 2"""
        )
        return [(name, definition) for name, definition in cursor.fetchall()]


def test_the_migration_encrypts_the_reasons_written_in_clear_and_keeps_the_partitions_indexed() -> None:
    forward = latest()
    indexes = partition_indexes()
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_auditentry (at, actor_label, action, object_type, object_id, reason)
               VALUES (CURRENT_TIMESTAMP, 'lead', 'contact_block.reverse', 'scheduling.contactpreference', '1', %s),
                      (CURRENT_TIMESTAMP, 'cob', 'cob.run', 'accounts.cobrun', '2', '')""",
            [REASON],
        )

    migrate(forward)

    with connection.cursor() as cursor:
        cursor.execute("SELECT action, reason FROM accounts_auditentry ORDER BY id")
        stored = dict(cursor.fetchall())
    assert stored["contact_block.reverse"].startswith("pii1:") and "Lysander" not in stored["contact_block.reverse"]
    assert stored["cob.run"] == ""
    read = dict(AuditEntry.objects.values_list("action", "reason"))
    assert read == {"contact_block.reverse": REASON, "cob.run": ""}
    assert partition_indexes() == indexes
    parents = len([name for name, _definition in indexes if name == "parent"])
    per_partition = {name: 0 for name, _definition in indexes if name != "parent"}
    for name, _definition in indexes:
        if name != "parent":
            per_partition[name] += 1
    assert parents >= 4 and per_partition and set(per_partition.values()) == {parents}
