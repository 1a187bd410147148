"""Do-not-call numbers and reasons, replies' numbers, complaints' and disputes' texts and coaching
notes encrypted at rest (DESIGN.md 18, config/pii.py); numbers with their blind index, on which the
register's one-entry-in-force constraints now hold. In committed chunks by id, through the same
rewrite as ``0029`` (not atomic: a stopped run resumes); blank values skipped."""

import config.pii
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from config import pii, pii_rewrite


def encrypt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    pii_rewrite.encrypt_for_migration(
        connection, "collections_app_dncentry", ["number", "reason"], {"number_index": ("number", pii.phone_index)}
    )
    pii_rewrite.encrypt_for_migration(
        connection, "collections_app_inboundmessage", ["from_number"],
        {"from_number_index": ("from_number", pii.phone_index)},
    )
    for table, columns in (
        ("collections_app_complaint", ["description", "resolution_note"]),
        ("collections_app_dispute", ["reason", "verification"]),
        ("collections_app_qareview", ["coaching_note"]),
    ):
        pii_rewrite.encrypt_for_migration(connection, table, columns)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows commits on its own: resumable

    dependencies = [
        ('accounts', '0006_phone_numbers_encrypted'),
        ('collections_app', '0031_report_messages_bucket'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='dncentry',
            name='dnc_one_active_per_number',
        ),
        migrations.RemoveConstraint(
            model_name='dncentry',
            name='dnc_one_active_sms_opt_out',
        ),
        migrations.RemoveConstraint(
            model_name='dncentry',
            name='dnc_entry_has_target',
        ),
        migrations.AddField(
            model_name='dncentry',
            name='number_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='phone', max_length=64, source='number'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='from_number_index',
            field=config.pii.BlindIndexField(blank=True, default='', kind='phone', max_length=64, source='from_number'),
        ),
        migrations.AlterField(
            model_name='complaint',
            name='description',
            field=config.pii.EncryptedTextField(max_length=4000, verbose_name='what the borrower says'),
        ),
        migrations.AlterField(
            model_name='complaint',
            name='resolution_note',
            field=config.pii.EncryptedTextField(blank=True, max_length=4000, verbose_name='resolution note'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='reason',
            field=config.pii.EncryptedTextField(blank=True, max_length=4000, verbose_name='what the borrower disputes'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='verification',
            field=config.pii.EncryptedTextField(blank=True, max_length=4000, verbose_name='verification recorded'),
        ),
        migrations.AlterField(
            model_name='dncentry',
            name='number',
            field=config.pii.EncryptedTextField(blank=True, max_length=16, verbose_name='number (E.164)'),
        ),
        migrations.AlterField(
            model_name='dncentry',
            name='reason',
            field=config.pii.EncryptedTextField(blank=True, max_length=255, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='inboundmessage',
            name='from_number',
            field=config.pii.EncryptedTextField(max_length=16, verbose_name='from (E.164)'),
        ),
        migrations.AlterField(
            model_name='qareview',
            name='coaching_note',
            field=config.pii.EncryptedTextField(blank=True, max_length=4000, verbose_name='coaching note'),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='dncentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('type__in', ['do_not_call', 'sms_opt_out']), models.Q(('number_index', ''), _negated=True)), models.Q(('type', 'cease'), ('borrower__isnull', False)), models.Q(('type', 'email_opt_out'), models.Q(('email_index', ''), _negated=True)), _connector='OR'), name='dnc_entry_has_target'),
        ),
        migrations.AddConstraint(
            model_name='dncentry',
            constraint=models.UniqueConstraint(condition=models.Q(('active', True), ('type', 'sms_opt_out')), fields=('number_index',), name='dnc_one_active_sms_opt_out'),
        ),
        migrations.AddConstraint(
            model_name='dncentry',
            constraint=models.UniqueConstraint(condition=models.Q(('active', True), ('type', 'do_not_call')), fields=('number_index',), name='dnc_one_active_per_number'),
        ),
    ]
