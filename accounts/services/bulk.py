"""Writing many changed rows back in few statements.

Django's ``bulk_update`` builds one ``CASE WHEN pk = ... THEN ...`` per field and row: its cost
grows with the square of the batch in Python and in the database (10,000 loans with 6
installments each took minutes). On PostgreSQL ``objects_update`` sends the rows as a
``VALUES`` list and joins it (``UPDATE ... FROM (VALUES ...)``), linear in the rows; other
databases (SQLite for the demo and the tests) keep ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, cast

from django.db import connection, models

from config.pii import BlindIndexField, blind_indexes_of

M = TypeVar("M", bound=models.Model)

# PostgreSQL takes at most 65,535 parameters per statement.
MAX_PARAMETERS = 60_000
MAX_ROWS = 5_000
# From this many rows on, PostgreSQL gets them by COPY into a temporary table (no parameters to
# bind and convert: a few hundred rows of a dozen columns went from 0.5 s to a few milliseconds).
COPY_MIN_ROWS = 200


def objects_update(model: type[M], objs: Sequence[M], fields: Sequence[str]) -> int:
    """Write the ``fields`` (names or attnames) of ``objs`` to their rows; return the rows written.

    The caller passes only the objects that changed (a second run then writes nothing).
    """
    if not objs or not fields:
        return 0
    indexes = blind_indexes_of(model, fields)  # an encrypted field's blind index follows it
    if indexes:
        index_fields = [cast(BlindIndexField, model._meta.get_field(name)) for name in indexes]
        for obj in objs:
            for field in index_fields:
                setattr(obj, field.attname, field.index_of(obj))
        fields = [*fields, *indexes]
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite") or (
        vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 33)  # type: ignore[attr-defined]
    ):
        model._default_manager.bulk_update(objs, list(fields), batch_size=1000)
        return len(objs)
    meta = model._meta
    columns = [cast(models.Field, meta.pk), *(cast(models.Field, meta.get_field(name)) for name in fields)]
    if vendor == "postgresql" and len(objs) >= COPY_MIN_ROWS:
        return _copy_update(model, objs, columns)
    quote = connection.ops.quote_name
    column_names = [quote(str(f.column)) for f in columns]
    names = ", ".join(column_names)
    if vendor == "postgresql":
        row = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in columns) + ")"
        budget = MAX_PARAMETERS
    else:
        row = "(" + ", ".join("%s" for _f in columns) + ")"
        budget = connection.features.max_query_params or 999
    assignments = ", ".join(f"{name} = v.{name}" for name in column_names[1:])
    table, key = quote(meta.db_table), column_names[0]
    size = max(1, min(MAX_ROWS, budget // len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in chunk for f in columns
            ]
            values = ", ".join([row] * len(chunk))
            if vendor == "postgresql":
                sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v({names}) WHERE t.{key} = v.{key}"
            else:  # SQLite names VALUES columns only through a common table expression
                sql = f"WITH v({names}) AS (VALUES {values}) UPDATE {table} SET {assignments} FROM v WHERE {table}.{key} = v.{key}"
            cursor.execute(sql, params)
    return len(objs)


def _copy_update(model: type[M], objs: Sequence[M], columns: list[models.Field]) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(str(f.column)) for f in columns]
    key = names[0]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bulk_rows")
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows AS SELECT {', '.join(names)} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY bulk_rows ({', '.join(names)}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns])
        assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM bulk_rows AS v WHERE t.{key} = v.{key}")
        cursor.execute("DROP TABLE bulk_rows")
    return len(objs)
