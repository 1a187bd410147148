"""Re-encryption of personal columns in chunks: the data migrations that encrypt a book written in
clear, and ``manage.py pii_rotate`` that brings every value under the current key (config/pii.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from config.pii import (
    ENCRYPTED_FIELDS,
    INDEXERS,
    PREFIX,
    BlindIndexField,
    KeyRing,
    is_ciphertext,
    key_id_of,
    ring,
)


@dataclass
class Progress:
    table: str
    scanned: int = 0
    rewritten: int = 0


def reencrypt_table(
    connection: BaseDatabaseWrapper,
    table: str,
    columns: Sequence[str],
    *,
    chunk: int = 5000,
    indexes: dict[str, tuple[str, Callable[[str], str]]] | None = None,
    say: Callable[[Progress], None] | None = None,
) -> Progress:
    """Bring every value of ``columns`` of ``table`` under the current key: clear values (before the
    encryption migration) are encrypted, values under an older key re-encrypted, the rest left.

    Chunks of ``chunk`` rows by id, each committed on its own, so a run stopped midway is resumed by
    running it again. A row changed meanwhile by the application is not overwritten: the update
    of a row holds only if its values are still those read (the application writes under the
    current key anyway). ``indexes`` (index column: (source column, indexer)) are filled from the
    clear value of a source column being encrypted for the first time. Rows whose columns are all
    blank are not read.
    """
    current = ring()
    quote = connection.ops.quote_name
    names = [quote(c) for c in columns]
    derived = list((indexes or {}).items())
    index_names = [quote(column) for column, _source in derived]
    sources = [list(columns).index(source) for _column, (source, _fn) in derived]
    filled = " OR ".join(f"({name} IS NOT NULL AND CAST({name} AS TEXT) <> '')" for name in names)
    progress = Progress(table)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {', '.join(names)} FROM {quote(table)} WHERE id > %s AND ({filled}) ORDER BY id LIMIT %s",
                [last, chunk],
            )
            rows = cursor.fetchall()
        if not rows:
            return progress
        last = rows[-1][0]
        changed = []
        for row in rows:
            old = list(row[1:])
            values = [_current(current, value) for value in old]
            if values == old:
                continue
            derived_values = []
            for position, (_column, (_source, indexer)) in zip(sources, derived, strict=True):
                clear = _text(old[position]) or ""
                derived_values.append(indexer(clear if not is_ciphertext(clear) else current.decrypt(clear)))
            changed.append((row[0], values + derived_values, old))
        if changed:
            with transaction.atomic(using=connection.alias):
                _write(connection, table, names + index_names, len(names), changed)
        progress.scanned += len(rows)
        progress.rewritten += len(changed)
        if say:
            say(progress)


def decrypt_table(
    connection: BaseDatabaseWrapper, table: str, columns: Sequence[str], *, chunk: int = 10_000
) -> Progress:
    """The way back of an encryption migration: every ciphertext of ``columns`` of ``table`` written
    in clear again (under whichever key of the ring it names), in chunks by id each committed on its
    own as ``reencrypt_table`` writes them, so a stopped run resumes; values in clear are left."""
    keys = ring()
    quote = connection.ops.quote_name
    names = [quote(c) for c in columns]
    encrypted = " OR ".join(f"{name} LIKE %s" for name in names)
    progress = Progress(table)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {', '.join(names)} FROM {quote(table)} WHERE id > %s AND ({encrypted}) ORDER BY id LIMIT %s",
                [last, *[f"{PREFIX}%"] * len(names), chunk],
            )
            rows = cursor.fetchall()
        if not rows:
            return progress
        last = rows[-1][0]
        changed = []
        for row in rows:
            old = list(row[1:])
            changed.append((row[0], [keys.decrypt(v) if v and is_ciphertext(v) else v for v in old], old))
        with transaction.atomic(using=connection.alias):
            _write(connection, table, names, len(names), changed)
        progress.scanned += len(rows)
        progress.rewritten += len(changed)


def _current(keys: KeyRing, value: Any) -> Any:
    if value is None or value == "":
        return value
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if not is_ciphertext(text):
        return keys.encrypt(text)
    if key_id_of(text) == keys.current:
        return text
    return keys.encrypt(keys.decrypt(text))


def _write(connection: BaseDatabaseWrapper, table: str, names: list[str], compared: int, changed: list[Any]) -> None:
    """Rows (id, new values of ``names``, old values of the first ``compared`` names)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sets = ", ".join(f"{name} = v.n{i}" for i, name in enumerate(names))
            same = " AND ".join(f"t.{name}::text IS NOT DISTINCT FROM v.o{i}" for i, name in enumerate(names[:compared]))
            new_cols = ", ".join(f"unnest(%s::text[]) AS n{i}" for i in range(len(names)))
            old_cols = ", ".join(f"unnest(%s::text[]) AS o{i}" for i in range(compared))
            params: list[Any] = [[row[0] for row in changed]]
            params += [[row[1][i] for row in changed] for i in range(len(names))]
            params += [[_text(row[2][i]) for row in changed] for i in range(compared)]
            cursor.execute(
                f"UPDATE {quote(table)} AS t SET {sets} FROM (SELECT unnest(%s::bigint[]) AS id, {new_cols}, "
                f"{old_cols}) AS v WHERE t.id = v.id AND {same}",
                params,
            )
            return
        sets = ", ".join(f"{name} = %s" for name in names)
        same = " AND ".join(f"{name} IS %s" for name in names[:compared])
        cursor.executemany(
            f"UPDATE {quote(table)} SET {sets} WHERE id = %s AND {same}",
            [[*row[1], row[0], *row[2]] for row in changed],
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def encrypted_columns() -> dict[str, list[str]]:
    """Every table with encrypted fields and their columns (the models installed)."""
    tables: dict[str, list[str]] = {}
    for model in apps.get_models():
        columns = [str(f.column) for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]
        if columns and not model._meta.proxy:
            tables.setdefault(model._meta.db_table, []).extend(columns)
    return tables


def encrypt_for_migration(
    connection: BaseDatabaseWrapper,
    table: str,
    columns: Sequence[str],
    indexes: dict[str, tuple[str, Callable[[str], str]]] | None = None,
    *,
    chunk: int = 10_000,
) -> Progress:
    """``reencrypt_table`` for a data migration, saying how far it is and how fast it went.

    On PostgreSQL the table's plain indexes (not its keys or unique constraints) are dropped for
    the rewrite and built again after it, by sorting: rewriting every row otherwise inserts into
    each of them row by row (about three times slower). Their definitions wait in
    ``pii_dropped_index`` meanwhile, so a run stopped midway makes them again when it is resumed.
    """
    _indexes_drop(connection, table)
    started = time.monotonic()
    shown = [0]

    def say(progress: Progress) -> None:
        if progress.scanned - shown[0] >= 100_000:
            shown[0] = progress.scanned
            print(f"  {table}: {progress.scanned} rows read, {progress.rewritten} encrypted", flush=True)

    progress = reencrypt_table(connection, table, columns, chunk=chunk, indexes=indexes, say=say)
    if progress.scanned:
        seconds = time.monotonic() - started
        print(
            f"  {table}: {progress.rewritten} of {progress.scanned} rows encrypted in {seconds:.1f} s "
            f"({progress.scanned / max(seconds, 1e-6):.0f} rows/s)",
            flush=True,
        )
    _indexes_restore(connection, table)
    return progress


def _indexes_drop(connection: BaseDatabaseWrapper, table: str) -> None:
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS pii_dropped_index (name text PRIMARY KEY, tab text, definition text)")
        cursor.execute(
            """INSERT INTO pii_dropped_index (name, tab, definition)
               SELECT i.indexrelid::regclass::text, %s, pg_get_indexdef(i.indexrelid) FROM pg_index i
               WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
               ON CONFLICT (name) DO NOTHING""",
            [table, table],
        )
        cursor.execute("SELECT name FROM pii_dropped_index WHERE tab = %s", [table])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _indexes_restore(connection: BaseDatabaseWrapper, table: str) -> None:
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SELECT name, definition FROM pii_dropped_index WHERE tab = %s ORDER BY name", [table])
        for _name, definition in cursor.fetchall():
            # A partitioned table's index is defined ``ON ONLY`` the parent: made so, it would cover
            # no partition (dropping it dropped the partitions' too). Without ONLY it covers them all.
            definition = definition.replace(" ON ONLY ", " ON ", 1)
            definition = definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            cursor.execute(definition.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1))
        cursor.execute("DELETE FROM pii_dropped_index WHERE tab = %s", [table])
        cursor.execute("SELECT COUNT(*) FROM pii_dropped_index")
        if not cursor.fetchone()[0]:
            cursor.execute("DROP TABLE pii_dropped_index")


def blind_indexes_fill(
    connection: BaseDatabaseWrapper, model: type[Model], *, chunk: int = 10_000
) -> Progress:
    """Fill the blank blind indexes of ``model``'s rows from their (encrypted) sources, in chunks by id,
    each written by one statement and committed on its own (resumable; a second run does nothing).

    For rows written without their indexes: the demo seeder's COPY writes the personal columns
    encrypted and leaves the index columns to their default (''); ``save`` and ``bulk_create``
    fill them themselves. On PostgreSQL the table's plain indexes are dropped meanwhile and built
    again after, by sorting, as ``encrypt_for_migration`` does (a phone's trigram index of its ends
    made it slower, row by row: 77,875 phones took 57 s, 40 s so), unless the caller's transaction is
    open."""
    meta = model._meta
    derived = [f for f in meta.concrete_fields if isinstance(f, BlindIndexField)]
    progress = Progress(meta.db_table)
    if not derived or not _any_blank(connection, model, derived):
        return progress
    if connection.in_atomic_block:  # the caller's transaction may hold pending triggers: indexes stay
        return _blind_indexes_write(connection, model, derived, progress, chunk)
    _indexes_drop(connection, meta.db_table)
    try:
        return _blind_indexes_write(connection, model, derived, progress, chunk)
    finally:
        _indexes_restore(connection, meta.db_table)


def _blank_rows(connection: BaseDatabaseWrapper, model: type[Model], derived: list[BlindIndexField]) -> str:
    """The condition of a row whose blind indexes are to fill: one is blank and a source is not."""
    quote = connection.ops.quote_name
    column_of = {f.name: str(f.column) for f in model._meta.concrete_fields}
    blank = " OR ".join(f"{quote(str(f.column))} = ''" for f in derived)
    filled = " OR ".join(f"{quote(column_of[source])} <> ''" for source in sorted({f.source for f in derived}))
    return f"({blank}) AND ({filled})"


def _any_blank(connection: BaseDatabaseWrapper, model: type[Model], derived: list[BlindIndexField]) -> bool:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {_blank_rows(connection, model, derived)} LIMIT 1")
        return cursor.fetchone() is not None


def _blind_indexes_write(
    connection: BaseDatabaseWrapper, model: type[Model], derived: list[BlindIndexField], progress: Progress, chunk: int
) -> Progress:
    meta = model._meta
    quote = connection.ops.quote_name
    column_of = {f.name: str(f.column) for f in meta.concrete_fields}
    sources = sorted({column_of[f.source] for f in derived})
    condition = _blank_rows(connection, model, derived)
    current = ring()
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {', '.join(quote(c) for c in sources)} FROM {quote(meta.db_table)} "
                f"WHERE id > %s AND {condition} ORDER BY id LIMIT %s",
                [last, chunk],
            )
            rows = cursor.fetchall()
        if not rows:
            return progress
        last = rows[-1][0]
        columns: list[list[Any]] = [[row[0] for row in rows]]
        for f in derived:
            at = sources.index(column_of[f.source]) + 1
            indexer = INDEXERS[f.kind]
            columns.append([indexer(current.decrypt(row[at]) if row[at] else "") for row in rows])
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            names = [quote(str(f.column)) for f in derived]
            if connection.vendor == "postgresql":
                sets = ", ".join(f"{name} = v.n{i}" for i, name in enumerate(names))
                cols = ", ".join(f"unnest(%s::text[]) AS n{i}" for i in range(len(names)))
                cursor.execute(
                    f"UPDATE {quote(meta.db_table)} AS t SET {sets} FROM (SELECT unnest(%s::bigint[]) AS id, {cols}) "
                    "AS v WHERE t.id = v.id",
                    columns,
                )
            else:
                sets = ", ".join(f"{name} = %s" for name in names)
                cursor.executemany(
                    f"UPDATE {quote(meta.db_table)} SET {sets} WHERE id = %s",
                    [[*values[1:], values[0]] for values in zip(*columns, strict=True)],
                )
        progress.scanned += len(rows)
        progress.rewritten += len(rows)
