"""Book-wide daily totals per currency: amounts of two currencies are no longer added together.

Rows written before this migration cannot be split by currency here; a book of one currency gets
that currency, and a book of several must close its past dates again (``manage.py run_cob --from
D1 --to D2``), which replaces each date's rows.
"""

from django.db import migrations, models


def single_currency(apps, schema_editor):  # type: ignore[no-untyped-def]
    loans = apps.get_model("accounts", "LoanAccount")
    currencies = list(loans.objects.values_list("currency", flat=True).distinct()[:2])
    if len(currencies) == 1:
        apps.get_model("accounts", "BucketDailyTotal").objects.update(currency=currencies[0])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_book'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='bucketdailytotal',
            options={'ordering': ['date', 'bucket', 'currency']},
        ),
        migrations.RemoveConstraint(
            model_name='bucketdailytotal',
            name='daily_total_unique',
        ),
        migrations.AddField(
            model_name='bucketdailytotal',
            name='currency',
            field=models.CharField(default='USD', max_length=3, verbose_name='currency'),
        ),
        migrations.AddConstraint(
            model_name='bucketdailytotal',
            constraint=models.UniqueConstraint(fields=('date', 'bucket', 'currency'), name='daily_total_unique_currency'),
        ),
        migrations.RunPython(single_currency, migrations.RunPython.noop),
    ]
