"""A callback's note encrypted at rest (DESIGN.md 18, config/pii.py): it is agreed on the call ("ring
after six, her husband Tom picks up before") and is a call note. The column becomes text; the notes
are encrypted in committed chunks by id through the rewrite ``collections_app.0032`` uses (not
atomic: a stopped run resumes), and decrypted the same way when it is migrated back."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.encrypt_for_migration(schema_editor.connection, "scheduling_callback", ["note"])


def decrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.decrypt_table(schema_editor.connection, "scheduling_callback", ["note"])


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('scheduling', '0014_dispute_holds_per_debt'),
    ]

    operations = [
        migrations.AlterField(
            model_name='callback',
            name='note',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='note'),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
