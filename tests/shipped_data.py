"""A transactional test ends with the database as the migrations left it, in a fraction of a flush.

The data migrations ship rows that the app needs to work (dispositions, message templates, the
extension SOP, the strategy preset, contact policies, the beat schedule) and Django adds content
types and permissions. A plain test runs in a transaction that is rolled back, so they stay. A
transactional test (``transaction=True``, ``transactional_db``, ``live_server``, the Celery worker
fixtures) commits, and Django's TransactionTestCase ends it with a flush that empties every table:
its serialized rollback puts the rows back only at the start of the next serialized-rollback test,
so a plain test that ran after a transactional one in the same process found none (a pytest-xdist
worker does just that when it takes the next file after one whose transactional tests ran). The
flush was slow too: a TRUNCATE of all 180 tables and partitions took 2-7 s on PostgreSQL.

``database_reset`` replaces that flush (``tests/conftest.py``): in one transaction it deletes the
rows of the tables that have any (a test writes to a few) and inserts the shipped rows as they were
(ids and timestamps), one multi-row insert per table, from the database's state read once when the
test database was created. The foreign keys are checked when it commits. Between any two tests the
database then holds exactly the shipped rows.
"""

from __future__ import annotations

from typing import Any

from django.core import serializers
from django.core.management.color import no_style
from django.db import connections, models, transaction

_shipped: dict[str, ShippedRows] = {}


class ShippedRows:
    """The rows of one database alias, grouped by model in the serialized order."""

    def __init__(self, alias: str, serialized: str) -> None:
        self.alias = alias
        self.rows: dict[type[models.Model], list[models.Model]] = {}
        for item in serializers.deserialize("json", serialized, using=alias):
            self.rows.setdefault(type(item.object), []).append(item.object)
            for name, targets in (item.m2m_data or {}).items():
                field: Any = item.object._meta.get_field(name)
                through = field.remote_field.through
                source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
                self.rows.setdefault(through, []).extend(
                    through(**{source: item.object.pk, target: pk}) for pk in targets
                )

    def insert(self) -> None:
        """Insert every row (into empty tables), as saved: no ``auto_now``, no signals; then move
        each table's id sequence past its rows (a test's own flush, ``call_command("flush")``,
        restarts the sequences at 1, and the next row added to a shipped table took id 1 again)."""
        connection = connections[self.alias]
        for model, rows in self.rows.items():
            fields = list(model._meta.local_concrete_fields)
            if rows[0].pk is None:  # a many-to-many row: its id comes from the sequence
                fields = [field for field in fields if not field.primary_key]
            size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
            for start in range(0, len(rows), size):
                model._base_manager.using(self.alias)._insert(  # type: ignore[attr-defined]
                    rows[start : start + size], fields=fields, using=self.alias, raw=True
                )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                cursor.execute(statement)


def shipped_data_keep() -> None:
    """Read what every test database holds now (just migrated: the shipped rows), to put it back
    after each transactional test. Django's own serialized rollback, for the tests marked with it,
    is handed an empty list: the rows are already in place whenever a test starts."""
    for connection in connections.all():
        if connection.alias in _shipped:
            continue
        serialized = getattr(connection, "_test_serialized_contents", None)
        if serialized is None:
            serialized = connection.creation.serialize_db_to_string()
        _shipped[connection.alias] = ShippedRows(connection.alias, serialized)
        connection._test_serialized_contents = "[]"  # type: ignore[attr-defined]


def database_reset(alias: str) -> None:
    """Delete every row a test left in database ``alias`` and put the shipped rows back."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT {n} WHERE EXISTS (SELECT 1 FROM {quote(table)})" for n, table in enumerate(tables)
            )
        )
        for (n,) in cursor.fetchall():
            cursor.execute(f"DELETE FROM {quote(tables[n])}")
        _shipped[alias].insert()
        connection.check_constraints()
