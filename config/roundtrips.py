"""Hot paths on PostgreSQL in few round trips, with prepared statements (DESIGN.md 13).

Django's cursors bind parameters on the client (the query text changes with every value), so
PostgreSQL cannot prepare them. The few statements a hot path runs on every request go through
``prepared_cursor``: server-side binding, the same text every time, so psycopg prepares each one
after ``prepare_threshold`` executions (``DATABASES["default"]["OPTIONS"]``; ``DATABASE_PREPARE_THRESHOLD``,
off behind a pooler that cannot keep prepared statements, such as PgBouncer in transaction mode
before 1.21). The statements still go through Django's cursor wrapper: logged with DEBUG, seen by
``CaptureQueriesContext``, their errors Django's.

``Trips`` sends statements in batches (psycopg's pipeline mode): each ``trip()`` is one round
trip, however many statements it holds. Outside any atomic block its transaction is its own: the
``BEGIN`` rides on the first trip and the ``COMMIT`` on the last, so a transaction of two batches
costs two round trips, not four. Inside an atomic block (an idempotent request, a test) it runs in
the caller's transaction and commits nothing.

Generic plans (``GENERIC_PLANS``): PostgreSQL kept planning the attempt history's statement anew on
every execution (a custom plan each time, 0.5 ms of planning for 0.1 ms of work), while its generic
plan, the same index scans, takes no planning at all. A connection that prepares statements gets
them once, when it is made (``generic_plans_set``, on ``connection_created``): the setting only
concerns statements bound on the server, which are only the ones here (Django's bind on the client:
the text has no parameters to plan for). Without prepared statements (behind a pooler that shares
server connections between transactions, where a session's setting would go to others) the first
trip of each transaction sets them for that transaction (``GENERIC_PLANS_LOCAL``).

No parallel plans and no JIT (``SERIAL_PLANS_LOCAL``, in the first trip of every transaction here,
and in ``hot_read`` for a hot path's reads through Django's cursors, the call list's): a generic
plan is made once and kept, and one made while a partitioned table's statistics were young (the
attempts' month filling during the day) held a parallel append for the attempt history of one
borrower: 12 ms of starting workers for 0.1 ms of work, every dial, 34 dials a second against the
bare view's 440 on the 1M book. A hot path's statement reads a few rows; it never wants workers.
The call list's page, planned afresh each time, met the same young statistics with a parallel scan
of the week's attempts and 180 ms of JIT compiling for a statement of 30 ms. The settings are the
transaction's own, so the other work of the connection (reports, COB in a worker) keeps its plans.

``columns``, ``instance`` and ``insert_sql`` read and write rows of a model in plain SQL through the
model's own fields (names, converters, defaults, ``pre_save``): no second list of a model's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar
from weakref import WeakSet

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from config.pii import ENCRYPTED_FIELDS

M = TypeVar("M", bound=Model)

GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"
# What each transaction here sets for itself (ends with it): no parallel plan for its statements, and
# generic plans where the session does not have them.
SERIAL_PLANS_LOCAL = "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)"
GENERIC_PLANS_LOCAL = (
    "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), "
    "set_config('plan_cache_mode', 'force_generic_plan', true)"
)
# The psycopg connections that have generic plans for their whole session (``generic_plans_set``).
_GENERIC_SESSIONS: WeakSet[Any] = WeakSet()


def generic_plans_set(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: generic plans for the session of a PostgreSQL connection that prepares
    statements (see the module's docstring); nothing on others."""
    if connection.vendor != "postgresql" or connection.connection.prepare_threshold is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(GENERIC_PLANS)
    _GENERIC_SESSIONS.add(connection.connection)


def available() -> bool:
    """True on PostgreSQL with a libpq that has pipeline mode (psycopg 3)."""
    if connection.vendor != "postgresql":
        return False
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


def prepared_cursor() -> Any:
    """A Django cursor over a server-side binding psycopg cursor on the current connection (on
    another database, its ordinary cursor)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: every attribute of ``connection`` looks it up again
    if db.vendor != "postgresql":
        return db.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    db.ensure_connection()
    with db.wrap_database_errors:
        return db._prepare_cursor(ServerBindingCursor(db.connection))  # type: ignore[attr-defined,call-arg]


@cache
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


@cache
def _read_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The fields a hot path reads: all but the personal data encrypted at rest (``config.pii``), which
    no decision needs and each of which costs a decryption; the instance holds them deferred (read
    on first use, as ``.defer()`` would)."""
    return tuple(f for f in _fields(model) if not isinstance(f, ENCRYPTED_FIELDS))


def columns(model: type[Model], alias: str) -> str:
    """``alias.col, ...`` for the fields of ``model`` that ``instance`` reads, in its order."""
    return ", ".join(f'{alias}."{field.column}"' for field in _read_fields(model))


def width(model: type[Model]) -> int:
    return len(_read_fields(model))


@cache
def _converters(model: type[Model]) -> tuple[tuple[int, Any, tuple[Callable[..., Any], ...]], ...]:
    out = []
    for index, field in enumerate(_read_fields(model)):
        column = field.get_col(model._meta.db_table)  # what the ORM's compiler asks for converters
        found = tuple(connection.ops.get_db_converters(column)) + tuple(column.get_db_converters(connection))
        if found:
            out.append((index, column, found))
    return tuple(out)


@cache
def _layout(model: type[Model]) -> tuple[int, int, list[str]]:
    """The width of a model's columns, the index of its primary key among them, their attribute names."""
    fields = _read_fields(model)
    return len(fields), next(i for i, f in enumerate(fields) if f.primary_key), [f.attname for f in fields]


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> M | None:
    """The model instance in ``row[start:start + width(model)]`` (None when its pk is NULL: an outer
    join found nothing), converted as the ORM converts what it reads."""
    size, pk_index, attnames = _layout(model)
    values = list(row[start : start + size])
    if values[pk_index] is None:
        return None
    db = connections[DEFAULT_DB_ALIAS]
    for index, column, converters in _converters(model):
        for converter in converters:
            values[index] = converter(values[index], column, db)
    return model.from_db(db.alias, attnames, values)


def insert_sql(obj: Model, *, expressions: dict[str, str] | None = None) -> tuple[str, list[Any]]:
    """``INSERT INTO table (...) VALUES (...)`` for an unsaved instance, its values prepared as
    ``save()`` prepares them (defaults, ``auto_now``, ``pre_save``); ``expressions`` gives some
    columns as SQL instead (``{"attempt_id": "(SELECT id FROM attempt)"}``). An auto primary key
    is left to the database."""
    model = type(obj)
    given = tuple(sorted((expressions or {}).items()))
    sql, prepared = _insert_text(model, given, _auto_pk(obj))
    db = connections[DEFAULT_DB_ALIAS]
    return sql, [field.get_db_prep_save(field.pre_save(obj, add=True), db) for field in prepared]


def _auto_pk(obj: Model) -> bool:
    pk = obj._meta.pk
    return pk is not None and getattr(obj, pk.attname) is None and pk.db_returning


@cache
def _insert_text(
    model: type[Model], expressions: tuple[tuple[str, str], ...], auto_pk: bool
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """``insert_sql``'s text for a model (the same for every row) and the fields whose values it binds."""
    given = dict(expressions)
    names, values, prepared = [], [], []
    for field in _fields(model):
        if field.primary_key and auto_pk:
            continue
        names.append(f'"{field.column}"')
        if field.attname in given:
            values.append(given[field.attname])
            continue
        values.append("%s")
        prepared.append(field)
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(names)}) VALUES ({", ".join(values)})'
    return sql, tuple(prepared)


class Trips:
    """Statements queued and sent together; ``trip()`` sends them and returns each one's rows."""

    def __init__(self, cursor: Any, own_transaction: bool) -> None:
        self._cursor = cursor
        self._own = own_transaction
        self._queued: list[tuple[str, Sequence[Any], bool]] = []
        self._begun = False
        self._planned = False

    def add(self, sql: str, params: Sequence[Any] = (), *, rows: bool = True) -> None:
        self._queued.append((sql, params, rows))

    def trip(self, *, commit: bool = False) -> list[list[tuple[Any, ...]]]:
        """One round trip: the queued statements (after ``BEGIN``, before ``COMMIT`` when this
        transaction is ours), and the rows of each one that returns rows."""
        queued, self._queued = self._queued, []
        raw = connection.connection
        out: list[list[tuple[Any, ...]]] = []
        with connection.wrap_database_errors, raw.pipeline():
            if self._own and not self._begun:
                self._cursor.execute("BEGIN")
                self._begun = True
            if not self._planned:
                self._cursor.execute(SERIAL_PLANS_LOCAL if raw in _GENERIC_SESSIONS else GENERIC_PLANS_LOCAL)
                self._planned = True
            cursors = []
            for sql, params, wants_rows in queued:
                cursor = prepared_cursor() if wants_rows else self._cursor
                cursor.execute(sql, params)
                cursors.append(cursor if wants_rows else None)
            if commit and self._own:
                self._cursor.execute("COMMIT")
                self._begun = self._planned = False
        for cursor in cursors:
            if cursor is not None:
                out.append(cursor.fetchall())
                cursor.close()
        return out

    def rollback(self) -> None:
        self._queued = []
        if self._own and self._begun:
            self._begun = self._planned = False
            with connection.wrap_database_errors:
                connection.connection.rollback()


@contextmanager
def hot_read() -> Iterator[None]:
    """A transaction whose statements are planned as a hot path's (no parallel workers, no JIT: see
    the module's docstring); on other databases just a transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(SERIAL_PLANS_LOCAL)
        yield


@contextmanager
def trips() -> Iterator[Trips]:
    """A transaction in round trips (see the module's docstring); rolled back if the block raises
    or ends without committing."""
    own = not connection.in_atomic_block
    connection.ensure_connection()
    cursor = prepared_cursor()
    batches = Trips(cursor, own)
    try:
        yield batches
    except BaseException:
        batches.rollback()
        raise
    else:
        batches.rollback()  # a block that never committed leaves nothing open
    finally:
        cursor.close()


def bulk_insert(objs: Sequence[Model]) -> None:
    """``bulk_create`` of new rows of one model, their ids set. On PostgreSQL one ``INSERT ... SELECT FROM
    unnest(...) RETURNING id`` whose columns are arrays bound in binary: Django's ``bulk_create`` builds
    its SQL value by value and psycopg's text arrays escape every value (the message's decision, some 400
    characters of JSON, most of it), a third of the plan's dispatching. The values are prepared as
    ``save()`` prepares them (``insert_sql``: defaults, ``auto_now``, encryption); a partitioned model's
    rows go to its parent table. Elsewhere ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not all(_auto_pk(obj) for obj in objs):
        model._default_manager.bulk_create(objs)
        return
    sql, fields = _unnest_text(model)
    params = [[field.get_db_prep_save(field.pre_save(obj, add=True), db) for obj in objs] for field in fields]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias


@cache
def _unnest_text(model: type[Model]) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """``bulk_insert``'s text for a model and the fields it binds, each as one binary array."""
    fields = tuple(f for f in _fields(model) if not f.primary_key)
    pk = model._meta.pk
    assert pk is not None
    names = ", ".join(f'"{field.column}"' for field in fields)
    arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in fields)
    table = model._meta.db_table
    return f'INSERT INTO "{table}" ({names}) SELECT * FROM unnest({arrays}) RETURNING "{pk.column}"', fields
