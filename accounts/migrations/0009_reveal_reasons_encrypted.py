"""The reasons agents give to reveal personal data encrypted at rest (DESIGN.md 18, config/pii.py): a
reason is what the agent typed ("her son Tom answers, asked for her mobile") and names people as a
call note does. The column becomes text (a ciphertext is longer than the 255 characters a reason may
have); the existing reasons are encrypted in committed chunks by id through the same rewrite as
``0008`` (not atomic: a stopped run resumes). Migrated back, the reasons are decrypted the same way
before the column is made ``varchar(255)`` again, which their ciphertexts would not fit."""

import config.pii
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.encrypt_for_migration(schema_editor.connection, "accounts_piireveal", ["reason"])


def decrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    pii_rewrite.decrypt_table(schema_editor.connection, "accounts_piireveal", ["reason"])


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('accounts', '0008_audit_reasons_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='piireveal',
            name='reason',
            field=config.pii.EncryptedTextField(max_length=255),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
