"""The tables that grow with time, partitioned by month on PostgreSQL (DESIGN.md 12).

``PARTITIONED`` names them with the column their rows are filed by: a day's snapshots and bucket
transitions by their COB date, assignment records, audit entries, messages and contact attempts by
their instant (months in UTC). On PostgreSQL each is ``PARTITION BY RANGE`` of that column, with one
partition a month (``<table>_y2026m12``) and a default partition (``<table>_default``) for a row no
month holds yet. SQLite keeps plain tables: nothing here runs there.

A partitioned table's primary key and unique constraints must hold the partition key, so the
primary key in the database is ``(id, <column>)``. Django's model keeps ``id`` as its primary key:
``id`` is still unique (one sequence for the whole table), reads and writes by ``id`` look it up
in every month's index of ``(id, <column>)``, and reads by date or instant touch only their
months. Two rules follow for these tables: a unique key holds the partition column in the
database (``table_partition`` widens one that does not, and where uniqueness across months
matters the code holds the key with ``key_hold``), and a reference into them is
``db_constraint=False`` (a foreign key would need the composite key): rows of these tables are
removed only as whole months nothing points into, and ``references_dangling`` checks that none
dangles (README, Partitions).

``table_partition`` converts a plain table in one set-based pass (migrations call it):
the old table is renamed, a partitioned table takes its name and columns, every month the rows
hold and the months ahead get a partition, the rows are copied with one ``INSERT ... SELECT``, the
old table dropped, then its primary key (made composite), unique and check constraints, foreign
keys and indexes are made again under their own names on the new one (built once over the loaded
rows, each month's through the parent) and the id sequence continues where it was.

``partitions_ensure`` makes the months ahead (``AHEAD_MONTHS`` after the current one, and the
month of a given date): the beat task ``partitions-ensure`` runs it daily and COB before every
close. A month whose rows went to the default partition meanwhile gets its partition with them
moved in. It is safe to run twice, and at once from two workers (an advisory lock).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from django.apps import apps
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import ForeignKey
from django.utils import timezone

# table -> the column its rows are filed by month on.
PARTITIONED: dict[str, str] = {
    "accounts_delinquencysnapshot": "date",
    "accounts_buckettransition": "date",
    "accounts_auditentry": "at",
    "collections_app_assignmentrecord": "at",
    "collections_app_message": "created_at",
    "collections_app_contactattempt": "placed_at",
}
AHEAD_MONTHS = 3
_LOCK_KEY = 7_316_001  # pg_advisory_xact_lock: one partition maker at a time


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month:%Y}m{month:%m}"


def _is_postgres(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def _column_type(cursor: CursorWrapper, table: str, column: str) -> str:
    cursor.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
        [table, column],
    )
    return str(cursor.fetchone()[0])


def _bound(month: date, column_type: str) -> str:
    """A month's first instant as a literal of the column's type (timestamps: midnight UTC)."""
    if column_type.startswith("timestamp"):
        return f"'{month.isoformat()} 00:00:00+00'"
    return f"'{month.isoformat()}'"


def _month_sql(column: str, column_type: str) -> str:
    """The month of a row, as a date, in SQL."""
    if column_type.startswith("timestamp with time zone"):
        return f"date_trunc('month', {column} AT TIME ZONE 'UTC')::date"
    return f"date_trunc('month', {column})::date"


def is_partitioned(table: str, connection: BaseDatabaseWrapper = default_connection) -> bool:
    if not _is_postgres(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
            [table],
        )
        return cursor.fetchone() is not None


def _window(today: date, through: date | None, ahead: int) -> list[date]:
    first = month_start(today)
    months = {month_add(first, n) for n in range(ahead + 1)}
    if through is not None:
        months.add(month_start(through))
    return sorted(months)


class _Shape(NamedTuple):
    """What a table's copy must be given again: its constraints (name, kind, definition, comment),
    its indexes that no constraint owns, and the sequence of its ``id`` (None without one)."""

    constraints: list[tuple[str, str, str, str | None]]
    indexes: list[str]
    sequence: str | None


# The comment on a unique constraint that partitioning widened by the partition column: held
# across the months by the code instead (``key_hold``), narrowed again by ``table_unpartition``.
_WIDENED = "unique per month: the partition column added"


def _table_shape(cursor: CursorWrapper, table: str) -> _Shape:
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid), obj_description(oid, 'pg_constraint') FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'f') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = [(str(name), str(kind), str(definition), note) for name, kind, definition, note in cursor.fetchall()]
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
        [table],
    )
    indexes = [str(row[0]) for row in cursor.fetchall()]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    return _Shape(constraints, indexes, sequence)


def _references_into(cursor: CursorWrapper, table: str) -> list[str]:
    """The foreign keys of other tables that the database checks against ``table``'s rows."""
    cursor.execute(
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conrelid <> confrelid ORDER BY 1",
        [table],
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _table_set_aside(cursor: CursorWrapper, *, table: str, old: str, shape: _Shape) -> None:
    """Rename ``table`` (and its id sequence) to ``old``, making room for its copy under its name."""
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    if shape.sequence:
        cursor.execute(f'ALTER SEQUENCE {shape.sequence} RENAME TO "{old}_id_seq"')


def _sequence_carry_over(cursor: CursorWrapper, *, table: str, old: str) -> None:
    """The new ``table``'s id sequence continues where the set-aside table ``old``'s stood."""
    cursor.execute(f'SELECT last_value, is_called FROM "{old}_id_seq"')
    last_value, is_called = cursor.fetchone()
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", [table, last_value, is_called])


def _shape_restore(cursor: CursorWrapper, *, table: str, shape: _Shape, column: str | None) -> None:
    """Give the copy ``table`` the constraints and indexes of ``shape`` under their own names. With
    ``column`` (partitioning by it) the primary key is ``(id, column)`` and a unique constraint
    without the column gets it (commented ``_WIDENED``); without it (unpartitioning) the primary key
    is ``id`` and a widened unique constraint is narrowed back."""
    for name, kind, definition, note in shape.constraints:
        widened = False
        if kind == "p":
            definition = f"PRIMARY KEY (id, {column})" if column else "PRIMARY KEY (id)"
        elif kind == "u" and column and not re.search(rf"[(, ]{column}[,)]", definition):
            definition, widened = re.sub(r"\)$", f", {column})", definition), True
        elif kind == "u" and not column and note == _WIDENED:
            definition = re.sub(r", [a-z_]+\)$", ")", definition)
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        if widened:
            cursor.execute(f"COMMENT ON CONSTRAINT \"{name}\" ON \"{table}\" IS '{_WIDENED}'")
    for definition in shape.indexes:
        cursor.execute(definition)


_LIKE = "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS"


def table_partition(
    connection: BaseDatabaseWrapper, *, table: str, column: str, ahead: int = AHEAD_MONTHS
) -> None:
    """Make the plain table ``table`` partitioned by month of ``column``, its rows kept (PostgreSQL
    only; a table already partitioned is left as it is). Runs in the caller's transaction."""
    if not _is_postgres(connection) or is_partitioned(table, connection):
        return
    old = f"{table}__unpartitioned"
    connection.check_constraints()  # deferred checks of rows written earlier in the transaction, now
    with connection.cursor() as cursor:
        if references := _references_into(cursor, table):
            raise ValueError(
                f"{table}: foreign keys point into it ({', '.join(references)}); PostgreSQL checks one only "
                "through a unique key that holds the partition column: make them db_constraint=False first."
            )
        shape = _table_shape(cursor, table)
        column_type = _column_type(cursor, table, column)
        _table_set_aside(cursor, table=table, old=old, shape=shape)
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" {_LIKE}) PARTITION BY RANGE ({column})')
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        cursor.execute(f'SELECT DISTINCT {_month_sql(column, column_type)} FROM "{old}" WHERE {column} IS NOT NULL')
        held = {row[0] for row in cursor.fetchall()}
        for month in sorted(held | set(_window(timezone.now().date(), None, ahead))):
            cursor.execute(
                f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ({_bound(month, column_type)}) TO ({_bound(month_add(month, 1), column_type)})"
            )
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        if shape.sequence:
            _sequence_carry_over(cursor, table=table, old=old)
        cursor.execute(f'DROP TABLE "{old}"')
        _shape_restore(cursor, table=table, shape=shape, column=column)
        cursor.execute(f'ANALYZE "{table}"')


def table_unpartition(connection: BaseDatabaseWrapper, *, table: str) -> None:
    """The reverse of ``table_partition``: a plain table again, its rows kept, ``id`` its primary key."""
    if not is_partitioned(table, connection):
        return
    old = f"{table}__partitioned"
    connection.check_constraints()
    with connection.cursor() as cursor:
        shape = _table_shape(cursor, table)
        _table_set_aside(cursor, table=table, old=old, shape=shape)
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" {_LIKE})')
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        if shape.sequence:
            _sequence_carry_over(cursor, table=table, old=old)
        cursor.execute(f'DROP TABLE "{old}" CASCADE')
        _shape_restore(cursor, table=table, shape=shape, column=None)


def partitions_ensure(
    *,
    through: date | None = None,
    ahead: int = AHEAD_MONTHS,
    connection: BaseDatabaseWrapper = default_connection,
) -> list[str]:
    """Every partitioned table of ``PARTITIONED`` gets the partitions of the current month, the
    ``ahead`` months after it and the month of ``through``, and of any month whose rows the default
    partition holds (moved into it). Returns the partitions made; none when all are there."""
    if not _is_postgres(connection):
        return []
    made: list[str] = []
    months = _window(timezone.now().date(), through, ahead)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        for table, column in PARTITIONED.items():
            if not is_partitioned(table, connection):
                continue
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
                [table],
            )
            existing = {row[0] for row in cursor.fetchall()}
            column_type = _column_type(cursor, table, column)
            default = f"{table}_default"
            in_default: set[date] = set()
            if default in existing:
                cursor.execute(f'SELECT DISTINCT {_month_sql(column, column_type)} FROM "{default}" WHERE {column} IS NOT NULL')
                in_default = {row[0] for row in cursor.fetchall()}
            for month in sorted(set(months) | in_default):
                name = partition_name(table, month)
                if name in existing:
                    continue
                bounds = f"FROM ({_bound(month, column_type)}) TO ({_bound(month_add(month, 1), column_type)})"
                if month in in_default:
                    connection.check_constraints()  # no deferred checks pending on the rows moved
                    lo, hi = _bound(month, column_type), _bound(month_add(month, 1), column_type)
                    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)')
                    cursor.execute(
                        f'WITH moved AS (DELETE FROM "{default}" WHERE {column} >= {lo} AND {column} < {hi} RETURNING *) '
                        f'INSERT INTO "{name}" SELECT * FROM moved'
                    )
                    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {bounds}')
                else:
                    cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES {bounds}')
                made.append(name)
    return made


_KEY_SPACE = 7_316_002  # pg_advisory_xact_lock(space, hashtext(key)): a key of a partitioned table


def key_hold(key: str, connection: BaseDatabaseWrapper = default_connection) -> None:
    """Hold ``key`` until the caller's transaction ends (PostgreSQL; nothing elsewhere). A unique key
    of a partitioned table is unique only within a month in the database (``_WIDENED``): a writer
    that takes the key's hold before looking it up and inserting makes its twin wait for its commit
    and then find its row, whatever month each would have written to."""
    if not _is_postgres(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_KEY_SPACE, key])


def keys_hold(keys: list[str], connection: BaseDatabaseWrapper = default_connection) -> None:
    """``key_hold`` for many keys in one statement, in one order (two holders of common keys never deadlock)."""
    if not keys or not _is_postgres(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) k) held ORDER BY h",
            [_KEY_SPACE, keys],
        )


def references_dangling(connection: BaseDatabaseWrapper = default_connection) -> dict[str, int]:
    """Every reference into a table of ``PARTITIONED`` that the database does not check
    (``db_constraint=False``), as ``table.column``, with how many rows point at no row. All zero
    while rows are removed only by whole months that nothing points into (README, Partitions)."""
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.local_fields:
                target = field.related_model
                checked = getattr(field, "db_constraint", True)  # the stubs do not type it
                if not isinstance(field, ForeignKey) or checked or not isinstance(target, type):
                    continue
                if target._meta.db_table not in PARTITIONED:
                    continue
                table, column = model._meta.db_table, field.column
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" r WHERE r."{column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{target._meta.db_table}" t WHERE t.id = r."{column}")'
                )
                found[f"{table}.{column}"] = int(cursor.fetchone()[0])
    return found
