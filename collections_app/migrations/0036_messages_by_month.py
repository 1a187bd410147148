"""Messages partitioned by the month of their ``created_at`` on PostgreSQL (config/partitions.py): the
rows kept (one set-based copy), the database's primary key ``(id, created_at)``, the model's ``id``.
The planned actions' reference to their message is no longer a foreign key in the database (it could
point only at ``(id, created_at)``): README's Partitions says how it is held. The unique keys
(idempotency key, provider's id, attempt) hold ``created_at`` too in the database. SQLite keeps a
plain table."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import partitions


def partition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_partition(schema_editor.connection, table="collections_app_message", column="created_at")


def unpartition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_unpartition(schema_editor.connection, table="collections_app_message")


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0035_dispute_holds_per_debt")]

    operations = [
        migrations.AlterField(
            model_name="planaction",
            name="message",
            field=models.OneToOneField(
                blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="plan_action", to="collections_app.message",
            ),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
