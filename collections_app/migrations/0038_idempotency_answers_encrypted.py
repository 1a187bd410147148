"""The answers kept for a POST's ``Idempotency-Key`` encrypted at rest (DESIGN.md 18, config/pii.py):
an answer is the whole response body replayed to a retry, and a complaint's registered description,
a dispute's reason and verification are in it as the borrower said them. The column becomes text
(the ciphertext of the JSON); the answers kept (a day's, ``idempotency_records_purge``) are
encrypted in committed chunks by id through the rewrite ``0032`` uses (not atomic: a stopped run
resumes). Migrated back, they are decrypted the same way before the column is jsonb again."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite

TABLE = "collections_app_idempotencyrecord"


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.encrypt_for_migration(schema_editor.connection, TABLE, ["response_body"])


def decrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.decrypt_table(schema_editor.connection, TABLE, ["response_body"])


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('collections_app', '0037_attempts_by_month'),
    ]

    operations = [
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='response_body',
            field=config.pii.EncryptedJSONField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
