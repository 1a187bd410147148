"""COB and the report jobs give the same rows whether the tables that grow with time are
partitioned by month (PostgreSQL, config/partitions.py) or plain tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models

from accounts.models import AuditEntry, BucketTransition, DelinquencySnapshot
from collections_app.models import (
    AssignmentRecord,
    ReportBucketDay,
    ReportEntryDay,
    ReportExitDay,
    ReportFlowMonth,
    ReportRollDay,
    ReportVintage,
)
from collections_app.reports import jobs
from collections_app.services.close import book_close
from config import partitions

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MARCH, MARCH_END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
DAILY = (ReportBucketDay, ReportRollDay, ReportEntryDay, ReportExitDay)
MONTHLY = (ReportFlowMonth, ReportVintage)


def rows(model: type[models.Model], **where: object) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(model.objects.filter(**where).values_list(*fields))


def march() -> dict[str, list[tuple]]:
    result = {model.__name__: rows(model, date__range=(MARCH, MARCH_END)) for model in DAILY}
    result.update({model.__name__: rows(model, month=MARCH) for model in MONTHLY})
    return result


def partition_counts(table: str, column: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, COUNT(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())


def test_the_lived_books_rows_are_each_in_their_months_partition_and_none_waits_in_the_default(book):
    for model, column in ((DelinquencySnapshot, "date"), (BucketTransition, "date"), (AssignmentRecord, "at"), (AuditEntry, "at")):
        table = model._meta.db_table
        counts = partition_counts(table, column)
        assert sum(counts.values()) == model.objects.count() > 0, table
        assert f"{table}_default" not in counts, table
        months = {f"{table}_y{m:%Y}m{m:%m}" for m in model.objects.dates(column, "month")}
        assert set(counts) == months, table


def test_cob_and_the_report_jobs_give_the_same_rows_as_on_plain_tables(book):
    day = dt.date(2026, 3, 18)
    snapshots, transitions = rows(DelinquencySnapshot, date=day), rows(BucketTransition, date=day)
    reports = march()
    assert snapshots and transitions and all(reports.values()), "the test means something only with rows"

    for table in partitions.PARTITIONED:
        partitions.table_unpartition(connection, table=table)
    assert not any(partitions.is_partitioned(table) for table in partitions.PARTITIONED)
    DelinquencySnapshot.objects.filter(date=day).delete()
    BucketTransition.objects.filter(date=day).delete()
    book_close(business_date=day)
    for model in DAILY:
        model.objects.filter(date__range=(MARCH, MARCH_END)).delete()
    for model in MONTHLY:
        model.objects.filter(month=MARCH).delete()
    jobs.reports_aggregate_range(first=MARCH, last=MARCH_END)

    assert rows(DelinquencySnapshot, date=day) == snapshots
    assert rows(BucketTransition, date=day) == transitions
    assert march() == reports
