"""The audit trail's reasons encrypted at rest (DESIGN.md 18, config/pii.py): a reason is what staff
typed, and a note given as a reason names people as a call note does. The column becomes text (a
ciphertext is longer than the 255 characters a reason may have); the existing reasons are encrypted
in committed chunks by id, through the same rewrite as ``0005`` (not atomic: a stopped run resumes),
the blank ones skipped. The table is partitioned by month: its indexes are dropped and built again
over every partition."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.encrypt_for_migration(schema_editor.connection, "accounts_auditentry", ["reason"])


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('accounts', '0007_snapshots_transitions_audit_by_month'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='reason',
            field=config.pii.EncryptedTextField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop, elidable=False),
    ]
