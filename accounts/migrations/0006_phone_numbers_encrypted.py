"""Phone numbers encrypted at rest (DESIGN.md 18, config/pii.py), with two blind indexes: the whole
number's (the do-not-call register, VICIdial's callback, replies, the import) and its ends' (the
search by a number's last digits). In committed chunks by id (not atomic: a stopped run resumes),
through the same rewrite as ``0005``; the reversed number's index and the E.164 check (neither
means anything on a ciphertext) go, the uniqueness per borrower holds on the index.
"""

import config.pii
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii, pii_rewrite


def drop_reversed_numbers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS phone_number_reversed")


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.encrypt_for_migration(
        schema_editor.connection, "accounts_phone", ["number"],
        {"number_index": ("number", pii.phone_index), "number_tails": ("number", pii.phone_tails)},
    )


def tail_trigrams(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS phone_number_tails_trgm ON accounts_phone USING gin (number_tails gin_trgm_ops)"
        )


def drop_tail_trigrams(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS phone_number_tails_trgm")


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('accounts', '0005_personal_fields_encrypted'),
    ]

    operations = [
        migrations.RunPython(drop_reversed_numbers, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='phone',
            name='phone_unique_per_borrower',
        ),
        migrations.RemoveConstraint(
            model_name='phone',
            name='phone_number_e164',
        ),
        migrations.RemoveIndex(
            model_name='phone',
            name='phone_number_idx',
        ),
        migrations.AddField(
            model_name='phone',
            name='number_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='phone', max_length=64, source='number'),
        ),
        migrations.AddField(
            model_name='phone',
            name='number_tails',
            field=config.pii.BlindIndexField(blank=True, default='', kind='phone_tails', max_length=255, source='number'),
        ),
        migrations.AlterField(
            model_name='phone',
            name='number',
            field=config.pii.EncryptedTextField(max_length=16, verbose_name='number (E.164)'),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='phone',
            index=models.Index(fields=['number_index'], name='phone_number_idx'),
        ),
        migrations.AddConstraint(
            model_name='phone',
            constraint=models.UniqueConstraint(condition=models.Q(('number_index', ''), _negated=True), fields=('borrower', 'number_index'), name='phone_unique_per_borrower'),
        ),
        migrations.RunPython(tail_trigrams, drop_tail_trigrams),
    ]
