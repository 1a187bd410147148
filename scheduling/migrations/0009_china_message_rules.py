"""The shipped policies' message rules: caps per day and per 7 days, SMS consent, the China signature
and banned words (``scheduling.presets.message_rules_ensure``)."""

from __future__ import annotations

from django.db import migrations


def forwards(apps, schema_editor):
    from scheduling.presets import PRESETS, message_rules_ensure

    message_rules_ensure(registry=apps, names=[p["name"] for p in PRESETS])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_message_rules_fields")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
