"""The callbacks-due and reservations-expire tasks moved to collections_app.tasks: existing rows follow."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def tasks_moved(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from scheduling.beat import beat_tasks_moved

    beat_tasks_moved(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_worker_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(tasks_moved, migrations.RunPython.noop)]
