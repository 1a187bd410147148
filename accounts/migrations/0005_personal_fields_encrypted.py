"""Personal fields of the book encrypted at rest (DESIGN.md 18, config/pii.py).

The columns become text, the rows are encrypted in chunks of 10,000 by id, each chunk committed on
its own (the migration is not atomic): stopped midway, ``migrate`` picks up where it stopped
(encrypted values are skipped). The name's and the e-mail's blind indexes are filled in the same
pass; the name's trigram index (on ciphertext useless) makes way for one on the name's words.
"""

import config.pii
import django.core.validators
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii, pii_rewrite


def drop_name_trigrams(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS borrower_name_trgm")


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    pii_rewrite.encrypt_for_migration(
        connection, "accounts_borrower", ["name", "date_of_birth", "address_line", "postal_code", "national_id_last4"],
        {"name_index": ("name", pii.name_index)},
    )
    pii_rewrite.encrypt_for_migration(connection, "accounts_phone", ["third_party_name"])
    pii_rewrite.encrypt_for_migration(
        connection, "accounts_emailaddress", ["address"], {"address_index": ("address", pii.email_index)}
    )


def name_word_trigrams(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS borrower_name_index_trgm ON accounts_borrower USING gin (name_index gin_trgm_ops)"
        )


def drop_name_word_trigrams(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS borrower_name_index_trgm")


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('accounts', '0004_search_indexes'),
    ]

    operations = [
        migrations.RunPython(drop_name_trigrams, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='emailaddress',
            name='email_unique_per_borrower',
        ),
        migrations.RemoveIndex(
            model_name='emailaddress',
            name='email_address_idx',
        ),
        migrations.AddField(
            model_name='borrower',
            name='name_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='name', max_length=2000, source='name'),
        ),
        migrations.AddField(
            model_name='emailaddress',
            name='address_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='email', max_length=64, source='address'),
        ),
        migrations.AlterField(
            model_name='borrower',
            name='address_line',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='borrower',
            name='date_of_birth',
            field=config.pii.EncryptedDateField(blank=True, null=True, verbose_name='date of birth'),
        ),
        migrations.AlterField(
            model_name='borrower',
            name='name',
            field=config.pii.EncryptedTextField(max_length=200, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='borrower',
            name='national_id_last4',
            field=config.pii.EncryptedTextField(blank=True, max_length=4),
        ),
        migrations.AlterField(
            model_name='borrower',
            name='postal_code',
            field=config.pii.EncryptedTextField(blank=True, max_length=16, verbose_name='postal code'),
        ),
        migrations.AlterField(
            model_name='emailaddress',
            name='address',
            field=config.pii.EncryptedTextField(max_length=254, validators=[django.core.validators.EmailValidator()], verbose_name='e-mail address'),
        ),
        migrations.AlterField(
            model_name='phone',
            name='third_party_name',
            field=config.pii.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='emailaddress',
            index=models.Index(fields=['address_index'], name='email_address_idx'),
        ),
        migrations.AddConstraint(
            model_name='emailaddress',
            constraint=models.UniqueConstraint(fields=('borrower', 'address_index'), name='email_unique_per_borrower'),
        ),
        migrations.RunPython(name_word_trigrams, drop_name_word_trigrams),
    ]
