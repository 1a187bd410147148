"""Worker heartbeats (for /health/), and the ``worker-heartbeat`` periodic task added to the beat schedule."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def ensure_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from scheduling.beat import beat_schedule_ensure

    beat_schedule_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_beat_schedule"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hostname", models.CharField(max_length=255, unique=True)),
                ("beat_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(ensure_schedule, migrations.RunPython.noop),
    ]
