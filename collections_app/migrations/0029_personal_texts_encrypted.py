"""Call notes, messages' subjects and bodies, and queued loan tapes encrypted at rest (DESIGN.md 18, config/pii.py):
in chunks by id, each committed on its own (not atomic: a stopped run resumes); blank ones skipped."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, columns in (
        ("collections_app_contactattempt", ["notes"]),
        ("collections_app_message", ["subject", "body"]),
        ("collections_app_inboundmessage", ["body"]),
        ("collections_app_bookimportjob", ["body"]),
    ):
        pii_rewrite.encrypt_for_migration(schema_editor.connection, table, columns)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('collections_app', '0028_channel_costs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='bookimportjob',
            name='body',
            field=config.pii.EncryptedTextField(blank=True, verbose_name='tape'),
        ),
        migrations.AlterField(
            model_name='contactattempt',
            name='notes',
            field=config.pii.EncryptedTextField(blank=True, verbose_name='notes'),
        ),
        migrations.AlterField(
            model_name='inboundmessage',
            name='body',
            field=config.pii.EncryptedTextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='message',
            name='body',
            field=config.pii.EncryptedTextField(verbose_name='text as sent'),
        ),
        migrations.AlterField(
            model_name='message',
            name='subject',
            field=config.pii.EncryptedTextField(blank=True, max_length=200, verbose_name='subject'),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop),
    ]
