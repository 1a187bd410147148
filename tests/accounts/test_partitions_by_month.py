"""The tables that grow with time are partitioned by month on PostgreSQL, and their rows land in
their month's partition (config/partitions.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEntry, BucketTransition, DelinquencySnapshot, LoanAccount
from accounts.services.audit import audit_record
from collections_app.models import AssignmentRecord
from collections_app.services.close import book_close
from config import partitions
from tests.factories import loan_with_schedule, make_open_cases

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def partitions_of(table: str) -> dict[str, str]:
    """Each partition of ``table`` with its bounds as PostgreSQL reads them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [table],
        )
        return dict(cursor.fetchall())


def partition_holding(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def primary_key_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(("table", "column"), sorted(partitions.PARTITIONED.items()))
def test_each_table_that_grows_with_time_is_partitioned_by_range_of_its_month_column(table: str, column: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, pg_get_partkeydef(p.partrelid) FROM pg_partitioned_table p WHERE p.partrelid = %s::regclass",
            [table],
        )
        strategy, key = cursor.fetchone()

    assert (strategy, key) == ("r", f"RANGE ({column})")
    assert primary_key_of(table) == ["id", column]
    held = partitions_of(table)
    assert held[f"{table}_default"] == "DEFAULT"
    this_month = partitions.month_start(timezone.now().date())
    for ahead in range(partitions.AHEAD_MONTHS + 1):
        assert partitions.partition_name(table, partitions.month_add(this_month, ahead)) in held


def test_a_close_of_business_in_a_month_not_seen_before_files_its_snapshots_and_transitions_in_that_month():
    loan = loan_with_schedule(first_due=dt.date(2031, 5, 1))

    book_close(business_date=dt.date(2031, 5, 2))

    snapshot = DelinquencySnapshot.objects.get(account=loan, date=dt.date(2031, 5, 2))
    transition = BucketTransition.objects.get(account=loan, date=dt.date(2031, 5, 2))
    assert (snapshot.dpd, snapshot.bucket, transition.to_bucket) == (1, "M1", "M1")
    assert partition_holding("accounts_delinquencysnapshot", snapshot.pk) == "accounts_delinquencysnapshot_y2031m05"
    assert partition_holding("accounts_buckettransition", transition.pk) == "accounts_buckettransition_y2031m05"


def test_an_audit_entry_and_an_assignment_move_are_filed_in_the_month_of_their_instant():
    (case,) = make_open_cases([100])
    entry = audit_record(action="case.assign", obj=case, actor_label="test")
    record = AssignmentRecord.objects.create(case=case, reason=AssignmentRecord.Reason.MANUAL, at=timezone.now())

    month = timezone.now().date()
    assert partition_holding("accounts_auditentry", entry.pk) == f"accounts_auditentry_y{month:%Y}m{month:%m}"
    assert partition_holding("collections_app_assignmentrecord", record.pk) == (
        f"collections_app_assignmentrecord_y{month:%Y}m{month:%m}"
    )
    assert AuditEntry.objects.get(pk=entry.pk).action == "case.assign"


def test_rows_of_a_month_without_its_partition_wait_in_the_default_one_and_move_into_it_when_it_is_made():
    (case,) = make_open_cases([100])
    july = dt.datetime(2019, 7, 31, 23, 30, tzinfo=dt.UTC)
    august = dt.datetime(2019, 8, 1, 0, 30, tzinfo=dt.UTC)  # months are cut at midnight UTC
    records = [AssignmentRecord.objects.create(case=case, reason=AssignmentRecord.Reason.MANUAL, at=at) for at in (july, august)]
    table = "collections_app_assignmentrecord"
    assert {partition_holding(table, r.pk) for r in records} == {f"{table}_default"}

    made = partitions.partitions_ensure()

    assert {f"{table}_y2019m07", f"{table}_y2019m08"} <= set(made)
    assert [partition_holding(table, r.pk) for r in records] == [f"{table}_y2019m07", f"{table}_y2019m08"]
    assert [AssignmentRecord.objects.get(pk=r.pk).at for r in records] == [july, august]


def test_making_the_partitions_again_makes_none_and_changes_nothing():
    partitions.partitions_ensure(through=dt.date(2032, 1, 15))
    before = {table: partitions_of(table) for table in partitions.PARTITIONED}

    again = partitions.partitions_ensure(through=dt.date(2032, 1, 15))

    assert again == []
    assert {table: partitions_of(table) for table in partitions.PARTITIONED} == before
    assert "accounts_delinquencysnapshot_y2032m01" in before["accounts_delinquencysnapshot"]


def test_partitioning_a_plain_table_keeps_its_rows_its_constraints_and_its_sequence():
    table = "accounts_delinquencysnapshot"
    loans = [loan_with_schedule(first_due=dt.date(2026, 1, 1)) for _ in range(3)]
    for day in (dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)):
        book_close(business_date=day)
    fields = [f.attname for f in DelinquencySnapshot._meta.concrete_fields]
    rows = sorted(DelinquencySnapshot.objects.values_list(*fields))
    assert len(rows) == 9

    partitions.table_unpartition(connection, table=table)
    assert not partitions.is_partitioned(table)
    assert sorted(DelinquencySnapshot.objects.values_list(*fields)) == rows
    partitions.table_partition(connection, table=table, column="date")

    assert partitions.is_partitioned(table)
    assert sorted(DelinquencySnapshot.objects.values_list(*fields)) == rows
    assert {partition_holding(table, row[0]) for row in rows} == {
        f"{table}_y2026m01", f"{table}_y2026m02", f"{table}_y2026m03"
    }
    assert primary_key_of(table) == ["id", "date"]
    later = snapshot_of(loans[0], dt.date(2026, 4, 30))
    assert later.pk > max(row[0] for row in rows)
    with pytest.raises(IntegrityError, match="duplicate key value violates unique constraint"), transaction.atomic():
        snapshot_of(loans[0], dt.date(2026, 4, 30))


def snapshot_of(loan: LoanAccount, day: dt.date) -> DelinquencySnapshot:
    return DelinquencySnapshot.objects.create(
        date=day, account=loan, dpd=1, bucket="M1", previous_bucket="M1",
        overdue_amount=1, outstanding_balance=1, status="active",
    )
