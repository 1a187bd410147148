"""The book's tables that grow with time partitioned by month on PostgreSQL (config/partitions.py):
the daily snapshots and the bucket transitions by their COB date, the audit entries by their
instant. Each table's rows are kept (one set-based copy into the new partitioned table, in this
migration's transaction); the database's primary key becomes ``(id, date)`` or ``(id, at)``, the
model's stays ``id``. SQLite keeps plain tables: nothing changes there."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import partitions

TABLES = (("accounts_delinquencysnapshot", "date"), ("accounts_buckettransition", "date"), ("accounts_auditentry", "at"))


def partition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, column in TABLES:
        partitions.table_partition(schema_editor.connection, table=table, column=column)


def unpartition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, _column in TABLES:
        partitions.table_unpartition(schema_editor.connection, table=table)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_phone_numbers_encrypted")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
