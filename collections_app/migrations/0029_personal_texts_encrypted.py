"""Call notes, messages' subjects and bodies, queued loan tapes and the do-not-call register's
e-mail addresses (with their blind index) encrypted at rest (DESIGN.md 18, config/pii.py):
in chunks by id, each committed on its own (not atomic: a stopped run resumes); blank ones skipped."""

import config.pii
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii, pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table, columns in (
        ("collections_app_contactattempt", ["notes"]),
        ("collections_app_message", ["subject", "body"]),
        ("collections_app_inboundmessage", ["body"]),
        ("collections_app_bookimportjob", ["body"]),
    ):
        pii_rewrite.encrypt_for_migration(schema_editor.connection, table, columns)
    pii_rewrite.encrypt_for_migration(
        schema_editor.connection, "collections_app_dncentry", ["email"], {"email_index": ("email", pii.email_index)}
    )


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('collections_app', '0028_channel_costs'),
    ]

    operations = [

        migrations.RemoveConstraint(
            model_name='dncentry',
            name='dnc_entry_has_target',
        ),
        migrations.RemoveConstraint(
            model_name='dncentry',
            name='dnc_one_active_email_opt_out',
        ),
        migrations.AddField(
            model_name='dncentry',
            name='email_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='email', max_length=64, source='email'),
        ),
        migrations.AlterField(
            model_name='dncentry',
            name='email',
            field=config.pii.EncryptedTextField(blank=True, max_length=254, verbose_name='e-mail address'),
        ),
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
        migrations.AddConstraint(
            model_name='dncentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('type__in', ['do_not_call', 'sms_opt_out']), models.Q(('number', ''), _negated=True)), models.Q(('type', 'cease'), ('borrower__isnull', False)), models.Q(('type', 'email_opt_out'), models.Q(('email_index', ''), _negated=True)), _connector='OR'), name='dnc_entry_has_target'),
        ),
        migrations.AddConstraint(
            model_name='dncentry',
            constraint=models.UniqueConstraint(condition=models.Q(('active', True), ('type', 'email_opt_out')), fields=('email_index',), name='dnc_one_active_email_opt_out'),
        ),
    ]
