"""Contact attempts partitioned by the month of their ``placed_at`` on PostgreSQL (config/partitions.py):
the rows kept (one set-based copy, the keys and indexes built once over them), the database's primary
key ``(id, placed_at)``, the model's ``id``, the dialer's call id unique with ``placed_at`` in the
database (held across months by the code: ``key_hold``). The six references into attempts are no
longer foreign keys in the database (PostgreSQL could check one only against ``(id, placed_at)``):
README's Partitions says how they are held. SQLite keeps a plain table."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import partitions


def partition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_partition(schema_editor.connection, table="collections_app_contactattempt", column="placed_at")


def unpartition(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    partitions.table_unpartition(schema_editor.connection, table="collections_app_contactattempt")


class Migration(migrations.Migration):

    dependencies = [
        ('collections_app', '0036_messages_by_month'),
    ]

    operations = [
        migrations.AlterField(
            model_name='complaint',
            name='attempts',
            field=models.ManyToManyField(blank=True, db_constraint=False, related_name='complaints', to='collections_app.contactattempt', verbose_name='contacts complained about'),
        ),
        migrations.AlterField(
            model_name='dialauthorization',
            name='attempt',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='dial_authorization', to='collections_app.contactattempt'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='attempt',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='disputes', to='collections_app.contactattempt'),
        ),
        migrations.AlterField(
            model_name='message',
            name='attempt',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='message', to='collections_app.contactattempt'),
        ),
        migrations.AlterField(
            model_name='promisetopay',
            name='attempt',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='promises', to='collections_app.contactattempt'),
        ),
        migrations.AlterField(
            model_name='qareview',
            name='attempt',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='qa_review', to='collections_app.contactattempt'),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
