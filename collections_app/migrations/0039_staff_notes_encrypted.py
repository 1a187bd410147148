"""The notes staff type on a case encrypted at rest (DESIGN.md 18, config/pii.py), as call notes are:
a promise's note (taken on the call the promise was made in), an extension request's note and its
decision reason, and the note of a case moved by hand (which the audit entry of the move already
holds encrypted as its reason). The columns become text (a ciphertext is longer than the 255
characters a note may have); the existing notes are encrypted in committed chunks by id through the
rewrite ``0032`` uses (not atomic: a stopped run resumes), blank ones skipped; the assignment
records are partitioned by month, their indexes built again on every partition. Migrated back, the
notes are decrypted the same way before the columns are ``varchar(255)`` again."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite

NOTES = (
    ("collections_app_promisetopay", ["note"]),
    ("collections_app_extensionrequest", ["note", "decision_reason"]),
    ("collections_app_assignmentrecord", ["note"]),
)


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, columns in NOTES:
        pii_rewrite.encrypt_for_migration(schema_editor.connection, table, columns)


def decrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, columns in NOTES:
        pii_rewrite.decrypt_table(schema_editor.connection, table, columns)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('collections_app', '0038_idempotency_answers_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assignmentrecord',
            name='note',
            field=config.pii.EncryptedTextField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name='extensionrequest',
            name='decision_reason',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='decision reason'),
        ),
        migrations.AlterField(
            model_name='extensionrequest',
            name='note',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='promisetopay',
            name='note',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='note'),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
