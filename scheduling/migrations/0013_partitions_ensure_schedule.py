"""The ``partitions-ensure`` periodic task added to the beat schedule (declared in scheduling.beat)."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def ensure_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from scheduling.beat import beat_schedule_ensure

    beat_schedule_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0012_strategy_plan_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(ensure_schedule, migrations.RunPython.noop)]
