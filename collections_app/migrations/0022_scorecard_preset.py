"""The shipped call-quality scorecard (DESIGN.md 17), active, and the weekly sample on the beat schedule.

Creates what is missing, never overwrites: an administrator's own scorecard stays active. Critical
items are the compliance ones: one not met fails the review.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.translation import gettext_noop

CODE = "collection-call"
# (code, label, weight, critical)
ITEMS: list[tuple[str, str, int, bool]] = [
    ("identity_verified", gettext_noop("Verified the borrower's identity before discussing the debt"), 10, True),
    ("disclosure", gettext_noop("Said who is calling and that it is an attempt to collect a debt"), 10, True),
    ("no_threats", gettext_noop("No threat, abuse or false statement"), 10, True),
    ("no_third_party_disclosure", gettext_noop("Disclosed nothing about the debt to a third party"), 10, True),
    ("amount_stated", gettext_noop("Stated the amount and dates correctly"), 10, False),
    ("listened", gettext_noop("Listened to the borrower's situation"), 5, False),
    ("options_offered", gettext_noop("Offered the options the procedure allows"), 5, False),
    ("terms_confirmed", gettext_noop("Read back the promise or the agreed terms"), 5, False),
    ("courtesy", gettext_noop("Courteous and professional throughout"), 5, False),
    ("outcome_logged", gettext_noop("Logged the outcome and notes accurately"), 5, False),
]


def ensure_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    scorecards = apps.get_model("collections_app", "Scorecard")
    items = apps.get_model("collections_app", "ScorecardItem")
    active = scorecards.objects.filter(is_active=True).exists()
    scorecard, created = scorecards.objects.get_or_create(
        code=CODE,
        defaults={"name": "Collection call", "is_active": not active, "sample_percent": 5, "pass_mark": 80},
    )
    if created:
        items.objects.bulk_create(
            items(scorecard=scorecard, code=code, label=label, weight=weight, critical=critical, position=(n + 1) * 10)
            for n, (code, label, weight, critical) in enumerate(ITEMS)
        )


def ensure_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from scheduling.beat import beat_schedule_ensure

    beat_schedule_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0021_quality_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(ensure_defaults, migrations.RunPython.noop),
        migrations.RunPython(ensure_schedule, migrations.RunPython.noop),
    ]
