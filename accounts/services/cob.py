"""The nightly close of business (COB), set-based.

For a business date D, one pass over the book computes every account's days past due, bucket,
overdue amount and outstanding principal *as of D*, then records bucket transitions against the
previous COB date, the day's delinquency snapshots and the book-wide totals per bucket. The
heavy statements are SQL kept in this one module (``tests/accounts/test_cob_definition.py``
compares them with the plain definition computed in Python). Running a date again replaces that
date's rows with identical ones; the accounts' current state (and the cases) follow only the
latest date, so replaying the past never rewinds today.

Past one machine, the states are computed by account-id ranges (``cob_ranges_prepare``,
``cob_range_stage``: each range one task of a Celery chord, on any worker) into a stage table, and
the chord's callback writes everything from it in one transaction (``cob_run(stage_token=...)``): the
heavy reading is spread, the close stays all or nothing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import CLOSED_CODES, DEFAULT_BUCKETS, Bucket, CobRun, LoanAccount
from config.partitions import partitions_ensure

logger = logging.getLogger(__name__)


def buckets_ensure_defaults() -> None:
    """Create the shipped bucket boundaries if none exist (administrators may edit them)."""
    if not Bucket.objects.exists():
        Bucket.objects.bulk_create(
            Bucket(code=code, label=label, min_dpd=lo, max_dpd=hi, position=pos)
            for pos, (code, label, lo, hi) in enumerate(DEFAULT_BUCKETS)
        )


@dataclass
class Dialect:
    vendor: str

    def days_between(self, later: str, earlier: str) -> str:
        if self.vendor == "postgresql":
            return f"(CAST({later} AS date) - CAST({earlier} AS date))"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def plus_one_day(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"(CAST({column} AS date) + 1)"
        return f"date({column}, '+1 day')"

    def distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.vendor == "postgresql" else f"{a} IS NOT {b}"

    def temp_table(self, name: str, select: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}", f"CREATE TEMPORARY TABLE {name} AS {select}"]


def _closed_code_sql(status: str) -> str:
    whens = " ".join(f"WHEN '{status_value}' THEN '{code}'" for status_value, code in CLOSED_CODES.items())
    return f"CASE {status} {whens} END"


def _compute_statements(dialect: Dialect, *, ranged: bool = False) -> tuple[list[str], str]:
    """The statements leaving every account's state as of D in ``cob_agg`` (dropped) and the SELECT of
    ``cob_state`` from it. ``ranged``: only the accounts with ``%(lo)s <= id < %(hi)s``."""
    d = "%(d)s"
    paid_total = "ii.principal_paid + ii.interest_paid + ii.fee_paid + ii.penalty_paid"
    # Paid amounts as of D: the paid columns when every allocation is on or before D, else the
    # sum of the allocations valued on or before D (only replays of past dates take this path).
    installment_as_of = f"""
        SELECT ii.loan_id, ii.due_date, ii.settled_on, ii.principal_due,
               ii.principal_due + ii.interest_due + ii.fee_due + ii.penalty_due AS total_due,
               CASE WHEN ii.last_paid_on IS NULL OR ii.last_paid_on <= {d} THEN {paid_total}
                    ELSE COALESCE((SELECT SUM(a.total) FROM accounts_paymentallocation a
                                   WHERE a.installment_id = ii.id AND a.value_date <= {d}), 0) END AS paid,
               CASE WHEN ii.last_paid_on IS NULL OR ii.last_paid_on <= {d} THEN ii.principal_paid
                    ELSE COALESCE((SELECT SUM(a.principal) FROM accounts_paymentallocation a
                                   WHERE a.installment_id = ii.id AND a.value_date <= {d}), 0) END AS principal_paid
        FROM accounts_installment ii{" WHERE ii.loan_id >= %(lo)s AND ii.loan_id < %(hi)s" if ranged else ""}"""
    # A loan closed without a date (charged off by the core system, say) is closed on every date.
    closed_as_of_d = f"(l.status <> 'active' AND (l.closed_on IS NULL OR l.closed_on <= {d}))"
    aggregate = f"""
        SELECT l.id AS account_id, l.currency,
               CASE WHEN {closed_as_of_d} THEN {_closed_code_sql("l.status")} END AS closed_code,
               CASE WHEN l.status <> 'active' AND (l.closed_on IS NULL OR l.closed_on <= %(d_prev)s)
                    THEN {_closed_code_sql("l.status")} ELSE 'M0' END AS default_prev,
               CASE WHEN {closed_as_of_d} THEN l.status ELSE 'active' END AS status,
               MIN(i.due_date) FILTER (WHERE i.due_date < {d}
                                       AND (i.settled_on IS NULL OR i.settled_on > {d})) AS oldest_unpaid,
               COALESCE(SUM(i.total_due - i.paid) FILTER (WHERE i.due_date < {d}), 0) AS overdue,
               COALESCE(SUM(i.principal_due - i.principal_paid), l.principal) AS outstanding
        FROM accounts_loanaccount l
        LEFT JOIN ({installment_as_of}) i ON i.loan_id = l.id
        WHERE l.opened_on <= {d} AND (l.status = 'active' OR l.closed_on >= %(d_prev)s){
            " AND l.id >= %(lo)s AND l.id < %(hi)s" if ranged else ""}
        GROUP BY l.id, l.currency, l.status, l.closed_on, l.principal"""
    dpd = f"CASE WHEN g.closed_code IS NOT NULL OR g.oldest_unpaid IS NULL THEN 0 ELSE {dialect.days_between(d, 'g.oldest_unpaid')} END"
    state = f"""
        SELECT s.account_id, s.currency, s.status, s.dpd, s.oldest_unpaid,
               CASE WHEN s.closed_code IS NOT NULL THEN 0 ELSE s.overdue END AS overdue,
               CASE WHEN s.closed_code IS NOT NULL THEN 0 ELSE s.outstanding END AS outstanding,
               COALESCE(s.closed_code, b.code) AS bucket,
               COALESCE(snap.bucket, s.default_prev) AS prev_bucket
        FROM (SELECT g.*, {dpd} AS dpd FROM cob_agg g) s
        LEFT JOIN accounts_bucket b ON s.dpd >= b.min_dpd AND (b.max_dpd IS NULL OR s.dpd <= b.max_dpd)
        LEFT JOIN accounts_delinquencysnapshot snap ON snap.account_id = s.account_id AND snap.date = %(d_prev)s"""
    return dialect.temp_table("cob_agg", aggregate), state


def _statements(dialect: Dialect, *, is_latest: bool) -> list[str]:
    """The whole COB in this session: every account's state in ``cob_state``, then the writes."""
    compute, state = _compute_statements(dialect)
    return [*compute, *dialect.temp_table("cob_state", state), "DROP TABLE IF EXISTS cob_agg",
            *_write_statements(dialect, is_latest=is_latest, source="cob_state")]  # fmt: skip


def _write_statements(dialect: Dialect, *, is_latest: bool, source: str) -> list[str]:
    """Everything COB writes for D, from the accounts' states in table ``source``."""
    d = "%(d)s"
    statements = [
        f"DELETE FROM accounts_buckettransition WHERE date = {d}",
        f"""INSERT INTO accounts_buckettransition (date, account_id, from_bucket, to_bucket, balance, overdue_amount)
            SELECT {d}, account_id, prev_bucket, bucket, outstanding, overdue FROM {source}
            WHERE bucket <> prev_bucket""",
        f"DELETE FROM accounts_delinquencysnapshot WHERE date = {d}",
        f"""INSERT INTO accounts_delinquencysnapshot
                (date, account_id, dpd, bucket, previous_bucket, overdue_amount, outstanding_balance, status)
            SELECT {d}, account_id, dpd, bucket, prev_bucket, overdue, outstanding, status FROM {source}
            WHERE dpd > 0 OR bucket <> prev_bucket""",
        f"DELETE FROM accounts_bucketdailytotal WHERE date = {d}",
        f"""INSERT INTO accounts_bucketdailytotal (date, bucket, currency, accounts, overdue_amount, outstanding_balance)
            SELECT {d}, bucket, currency, COUNT(*), SUM(overdue), SUM(outstanding) FROM {source}
            WHERE status = 'active' GROUP BY bucket, currency""",
    ]
    if is_latest:
        since = f"CASE WHEN s.dpd > 0 THEN {dialect.plus_one_day('s.oldest_unpaid')} END"
        statements.append(
            f"""UPDATE accounts_loanaccount SET dpd = s.dpd, bucket = s.bucket, overdue_amount = s.overdue,
                       outstanding_balance = s.outstanding, delinquent_since = {since}
                FROM {source} s
                WHERE accounts_loanaccount.id = s.account_id
                  AND ({dialect.distinct("accounts_loanaccount.dpd", "s.dpd")}
                       OR {dialect.distinct("accounts_loanaccount.bucket", "s.bucket")}
                       OR {dialect.distinct("accounts_loanaccount.overdue_amount", "s.overdue")}
                       OR {dialect.distinct("accounts_loanaccount.outstanding_balance", "s.outstanding")})"""
        )
    return statements


@dataclass
class CobResult:
    date: date
    accounts: int
    delinquent: int
    transitions: int
    seconds: float
    is_latest: bool


def previous_cob_date(business_date: date) -> date | None:
    return (
        CobRun.objects.filter(date__lt=business_date, status=CobRun.Status.DONE).aggregate(d=Max("date"))["d"]
    )


class CobStageGone(RuntimeError):
    """The stage of a split COB is gone: a later dispatch of the date dropped it and owns the close."""


def _stage_hold(stage: str) -> None:
    """Hold ``stage`` until the transaction ends (a later dispatch's drop then waits for it), or raise
    ``CobStageGone`` when it is no longer there."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {stage} IN ACCESS SHARE MODE")
            else:
                cursor.execute(f"SELECT 1 FROM {stage} LIMIT 1")
    except DatabaseError as exc:
        raise CobStageGone(f"{stage} is gone: another dispatch of the close took over") from exc


def cob_stage_name(business_date: date, token: str) -> str:
    """The table the account-id ranges of one split COB (``token``: hex, one per dispatch) leave
    their accounts' states in: two closes of a date dispatched at once never share one."""
    if not re.fullmatch(r"[0-9a-f]{1,32}", token):
        raise ValueError("a stage token is 1 to 32 lower-case hex digits")
    return f"cob_stage_{business_date:%Y%m%d}_{token}"


def _stage_drop_after(exc: BaseException, stage: str) -> None:
    """After a failure of a split COB's part: drop its stage unless a retry is coming for it (the
    database was unreachable, ``OperationalError``/``InterfaceError``: the stage is still needed and
    the drop would fail anyway). A close whose range or writes failed otherwise never finishes from
    that stage, so an UNLOGGED table of the book's size would stay until the date's next dispatch."""
    if isinstance(exc, (OperationalError, InterfaceError, CobStageGone)):
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
    except DatabaseError:
        logger.warning("cob stage %s left after a failure: the date's next dispatch drops it", stage)


def cob_ranges_prepare(*, business_date: date, range_accounts: int, token: str) -> list[tuple[int, int]]:
    """Split the book into account-id ranges of about ``range_accounts`` ids: ``[lo, hi)`` each.

    With more than one range, an empty stage table is made for them (``cob_range_stage`` fills it,
    ``cob_run(stage_token=...)`` writes from it and drops it); the stages an earlier dispatch of the
    date left (its worker died) are dropped. A book that fits in one range gives ``[]``.
    """
    bounds = LoanAccount.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None or bounds["hi"] - bounds["lo"] + 1 <= range_accounts:
        return []
    buckets_ensure_defaults()  # the ranges' states need the buckets, as COB's own do
    ranges = [(lo, min(lo + range_accounts, bounds["hi"] + 1)) for lo in range(bounds["lo"], bounds["hi"] + 1, range_accounts)]
    stage = cob_stage_name(business_date, token)
    unlogged = "UNLOGGED " if connection.vendor == "postgresql" else ""
    left = [name for name in connection.introspection.table_names() if name.startswith(f"cob_stage_{business_date:%Y%m%d}_")]
    with connection.cursor() as cursor:
        for name in left:  # waits for a close writing from it to commit (which drops it)
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE {unlogged}TABLE {stage} (account_id bigint PRIMARY KEY, currency text, status text, dpd integer, "
            "oldest_unpaid date, overdue numeric, outstanding numeric, bucket text, prev_bucket text)"
        )
    return ranges


def cob_range_stage(*, business_date: date, lo: int, hi: int, token: str) -> int:
    """The states as of ``business_date`` of the accounts with ``lo <= id < hi``, into the stage
    table (replacing that range's rows: safe to run twice). Returns how many accounts.

    A failure that no retry follows drops the stage (``_stage_drop_after``): the close cannot finish."""
    stage = cob_stage_name(business_date, token)
    try:
        return _range_stage(business_date=business_date, lo=lo, hi=hi, stage=stage)
    except Exception as exc:
        _stage_drop_after(exc, stage)
        raise


@transaction.atomic
def _range_stage(*, business_date: date, lo: int, hi: int, stage: str) -> int:
    prev = previous_cob_date(business_date) or business_date - timedelta(days=1)
    params: dict[str, date | int] = {"d": business_date, "d_prev": prev, "lo": lo, "hi": hi}
    compute, state = _compute_statements(Dialect(connection.vendor), ranged=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {stage} WHERE account_id >= %(lo)s AND account_id < %(hi)s", params)
        for sql in compute:
            cursor.execute(sql, params if "%(" in sql else None)
        cursor.execute(
            f"INSERT INTO {stage} (account_id, currency, status, dpd, oldest_unpaid, overdue, outstanding, bucket, "
            f"prev_bucket) SELECT account_id, currency, status, dpd, oldest_unpaid, overdue, outstanding, bucket, "
            f"prev_bucket FROM ({state}) x",
            params,
        )
        staged = cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS cob_agg")
    return staged


def cob_run(
    *,
    business_date: date,
    worker: str = "",
    follow: Callable[[date], object] | None = None,
    stage_token: str | None = None,
) -> CobResult:
    """Close business for ``business_date``: one transaction, replacing that date's results.

    ``stage_token``: the accounts' states were computed by ranges (``cob_range_stage``, in parallel
    workers) into that stage table; this writes everything from it in the one transaction and drops it
    (after a failure too, unless the database was unreachable and a retry will need it).

    ``follow(business_date)`` runs inside that transaction once the accounts' state is the date's,
    when the date is the latest: the work that follows the book (collection cases), which the
    caller composes (``collections_app.services.close``); the book itself knows nothing of it.
    Locks the date's ``CobRun`` row, so two runs for one date queue up instead of interleaving.
    """
    started = time.monotonic()
    buckets_ensure_defaults()
    partitions_ensure(through=business_date)  # PostgreSQL: the date's month has its partition
    try:
        with transaction.atomic():
            if stage_token is not None:
                _stage_hold(cob_stage_name(business_date, stage_token))
            run, _ = CobRun.objects.select_for_update().get_or_create(
                date=business_date, defaults={"started_at": timezone.now()}
            )
            run.status, run.started_at, run.worker = CobRun.Status.RUNNING, timezone.now(), worker
            latest = CobRun.objects.filter(status=CobRun.Status.DONE).aggregate(d=Max("date"))["d"]
            is_latest = latest is None or business_date >= latest
            prev = previous_cob_date(business_date) or business_date - timedelta(days=1)
            params = {"d": business_date, "d_prev": prev}
            dialect = Dialect(connection.vendor)
            staged = stage_token is not None
            source = cob_stage_name(business_date, stage_token) if stage_token is not None else "cob_state"
            if staged:
                statements = _write_statements(dialect, is_latest=is_latest, source=source)
            else:
                statements = _statements(dialect, is_latest=is_latest)
            with connection.cursor() as cursor:
                if staged and connection.vendor == "postgresql":
                    cursor.execute(f"ANALYZE {source}")
                for sql in statements:
                    cursor.execute(sql, params if "%(" in sql else None)
                    if connection.vendor == "postgresql" and "CREATE TEMPORARY TABLE" in sql:
                        cursor.execute(f"ANALYZE {sql.split()[3]}")
                cursor.execute(f"SELECT COUNT(*), SUM(CASE WHEN dpd > 0 THEN 1 ELSE 0 END) FROM {source}")
                accounts, delinquent = cursor.fetchone()
                cursor.execute("SELECT COUNT(*) FROM accounts_buckettransition WHERE date = %(d)s", params)
                (transitions,) = cursor.fetchone()
                cursor.execute(f"DROP TABLE IF EXISTS {source}")
            if is_latest and follow is not None:
                follow(business_date)
            run.accounts, run.delinquent, run.transitions = accounts or 0, delinquent or 0, transitions
            run.status, run.finished_at = CobRun.Status.DONE, timezone.now()
            run.seconds = round(time.monotonic() - started, 3)
            run.save()
    except CobStageGone:
        raise  # the close is the other dispatch's: its run is left as that one leaves it
    except Exception as exc:
        CobRun.objects.update_or_create(
            date=business_date,
            defaults={"status": CobRun.Status.FAILED, "started_at": timezone.now(), "worker": worker},
        )
        if stage_token is not None:
            _stage_drop_after(exc, cob_stage_name(business_date, stage_token))
        raise
    logger.info(
        "cob done date=%s accounts=%s delinquent=%s transitions=%s seconds=%.2f",
        business_date, run.accounts, run.delinquent, run.transitions, run.seconds,
    )
    return CobResult(business_date, run.accounts, run.delinquent, run.transitions, run.seconds, is_latest)

