"""Bulk writers for generated rows: COPY text on PostgreSQL, ``bulk_create`` in batches elsewhere.

Rows are tuples in the order of a table's ``columns``. Any other concrete field of the model
(a field added after the seeder was written) is filled with its default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection, models


class TableSpec:
    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = tuple(columns)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(self.columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        self.extra = [f for name, f in fields.items() if name not in self.columns]
        for f in self.extra:
            if not (f.has_default() or f.null):
                raise ValueError(f"The seeder does not fill {model.__name__}.{f.attname}, which has no default.")
        self.table = model._meta.db_table

    def extra_values(self, now: datetime) -> tuple[object, ...]:
        values: list[object] = []
        for f in self.extra:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                values.append(now)
            else:
                values.append(f.get_db_prep_save(f.get_default(), connection))
        return tuple(values)


class CopyWriter:
    """Streams COPY text into PostgreSQL (``COPY ... FROM STDIN``), one table at a time.

    In bulk mode (a big book into near-empty tables) the foreign keys *from* the seeded tables
    and their plain indexes are dropped for the length of the caller's transaction and made
    again at the end: PostgreSQL then checks each foreign key once, set-based, instead of
    queueing a deferred trigger per row, and builds each index by sorting instead of millions
    of random inserts. Other sessions wait on these tables until the transaction ends.
    """

    def __init__(self, specs: Sequence[TableSpec], *, bulk: bool) -> None:
        self.specs = specs
        self.bulk = bulk
        self.dropped_keys: list[tuple[str, str, str]] = []
        self.dropped_indexes: list[tuple[str, str]] = []

    def begin(self) -> None:
        if not self.bulk:
            return
        tables = [spec.table for spec in self.specs]
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2""",
                [tables],
            )
            self.dropped_keys = list(cursor.fetchall())
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                   ORDER BY 1""",
                [tables],
            )
            self.dropped_indexes = list(cursor.fetchall())
            # Foreign keys are checked at commit; a table with checks pending cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _ in self.dropped_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in self.dropped_indexes:
                cursor.execute(f"DROP INDEX {name}")

    def write_text(self, spec: TableSpec, text: str) -> None:
        if not text:
            return
        columns = ", ".join(spec.columns + tuple(str(f.column) for f in spec.extra))
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {spec.table} ({columns}) FROM STDIN") as copy:
            copy.write(text)

    def finish(self) -> None:
        with connection.cursor() as cursor:
            if self.dropped_indexes:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in self.dropped_indexes:
                cursor.execute(definition)
            for table, name, definition in self.dropped_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for sql in connection.ops.sequence_reset_sql(no_style(), [spec.model for spec in self.specs]):
                cursor.execute(sql)


class BulkCreateWriter:
    """``bulk_create`` in batches, for SQLite (the demo and the tests)."""

    batch_size = 500

    def __init__(self, specs: Sequence[TableSpec]) -> None:
        self.specs = specs

    def begin(self) -> None:
        return None

    def write(self, spec: TableSpec, rows: list[tuple[object, ...]]) -> None:
        model, columns = spec.model, spec.columns
        model._default_manager.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=self.batch_size
        )

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [spec.model for spec in self.specs]):
                cursor.execute(sql)
