"""Report aggregates per currency: amounts of two currencies are never added into one figure.

The report tables are derived. A book of one currency gets that currency on its rows; in a book
of several the rows written before cannot be split here and are removed: run ``manage.py aggregate
--from D1 --to D2`` to make them again, per currency.
"""

from django.db import migrations, models

REPORT_MODELS = (
    "ReportBucketDay", "ReportRollDay", "ReportFlowMonth", "ReportEntryDay", "ReportExitDay", "ReportVintage",
    "ReportForecastMatrix", "ReportForecastBalance", "ReportAgentDay", "ReportAgentMonth",
)


def label_or_clear(apps, schema_editor):  # type: ignore[no-untyped-def]
    currencies = list(apps.get_model("accounts", "LoanAccount").objects.values_list("currency", flat=True).distinct()[:2])
    for name in REPORT_MODELS:
        rows = apps.get_model("collections_app", name).objects.all()
        if len(currencies) == 1:
            rows.update(currency=currencies[0])
        else:
            rows.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('collections_app', '0013_today_live_indexes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='reportbucketday',
            name='rpt_bucket_day_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportentryday',
            name='rpt_entry_day_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportflowmonth',
            name='rpt_flow_month_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportforecastbalance',
            name='rpt_fc_balance_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportforecastmatrix',
            name='rpt_fc_matrix_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportrollday',
            name='rpt_roll_day_unique',
        ),
        migrations.RemoveConstraint(
            model_name='reportvintage',
            name='rpt_vintage_unique',
        ),
        migrations.AddField(
            model_name='reportagentday',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportagentmonth',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportbucketday',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportentryday',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportexitday',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportflowmonth',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportforecastbalance',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportforecastmatrix',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportrollday',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='reportvintage',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddConstraint(
            model_name='reportbucketday',
            constraint=models.UniqueConstraint(fields=('date', 'product', 'currency', 'bucket'), name='rpt_bucket_day_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportentryday',
            constraint=models.UniqueConstraint(fields=('date', 'product', 'currency'), name='rpt_entry_day_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportflowmonth',
            constraint=models.UniqueConstraint(fields=('month', 'product', 'currency', 'from_state', 'to_state'), name='rpt_flow_month_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportforecastbalance',
            constraint=models.UniqueConstraint(fields=('month', 'product', 'currency', 'step', 'state'), name='rpt_fc_balance_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportforecastmatrix',
            constraint=models.UniqueConstraint(fields=('month', 'product', 'currency', 'from_state', 'to_state'), name='rpt_fc_matrix_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportrollday',
            constraint=models.UniqueConstraint(fields=('date', 'product', 'currency', 'from_bucket', 'to_bucket'), name='rpt_roll_day_unique_currency'),
        ),
        migrations.AddConstraint(
            model_name='reportvintage',
            constraint=models.UniqueConstraint(fields=('month', 'cohort', 'product', 'currency'), name='rpt_vintage_unique_currency'),
        ),
        migrations.RunPython(label_or_clear, migrations.RunPython.noop),
    ]
