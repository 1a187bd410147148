"""How every report job writes: the rows of a date (or month) replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models, transaction


def rows_replace(model: type[models.Model], *, where: dict[str, object], rows: Iterable[models.Model]) -> int:
    """Delete the rows matching ``where`` and insert ``rows`` instead, in one transaction.

    This is what makes every job idempotent for its date: a second run replaces the first's rows
    with identical ones, and a run killed half way leaves each date either replaced or untouched.
    Two runs of the same rows at once (a redelivered task overlapping its first delivery, the
    nightly job and a backfill) take turns on a lock of the table and ``where`` held until the
    commit: otherwise the second would not see the first's new rows (read committed) and would
    add a second set.
    """
    with transaction.atomic():
        _replace_lock(model, where)
        model._default_manager.filter(**where).delete()
        created = model._default_manager.bulk_create(list(rows), batch_size=2000)
    return len(created)


def _replace_lock(model: type[models.Model], where: dict[str, object]) -> None:
    """PostgreSQL: a transaction-level advisory lock named by the table and ``where`` (SQLite lets one
    writer at a time in anyway)."""
    if connection.vendor != "postgresql":
        return
    name = "|".join([model._meta.db_table, *(f"{key}={value}" for key, value in sorted(where.items()))])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
