"""Assignment records partitioned by the month of their instant on PostgreSQL (config/partitions.py):
the rows kept (one set-based copy), the database's primary key ``(id, at)``, the model's ``id``.
SQLite keeps a plain table."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import partitions


def partition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_partition(schema_editor.connection, table="collections_app_assignmentrecord", column="at")


def unpartition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_unpartition(schema_editor.connection, table="collections_app_assignmentrecord")


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0033_after_plan_requests_and_phones")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
