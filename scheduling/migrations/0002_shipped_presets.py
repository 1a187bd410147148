from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def ensure_presets(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from scheduling.presets import presets_ensure

    presets_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_contact_policies")]

    operations = [migrations.RunPython(ensure_presets, migrations.RunPython.noop)]
