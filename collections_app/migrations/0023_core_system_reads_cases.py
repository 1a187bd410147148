"""Core-system integrations read the cases (``GET cases/``, DESIGN.md section 10): existing ones get the
new ``core:cases`` scope, as new ones do by default. Dialers' tokens do not."""

from __future__ import annotations

from django.db import migrations

SCOPE_CASES = "core:cases"


def grant_core_cases(apps, schema_editor):
    Integration = apps.get_model("collections_app", "Integration")
    # Only the core-system integrations (a handful of rows), and only those without the scope yet.
    for integration in Integration.objects.filter(kind="core_system").only("pk", "scopes"):
        if SCOPE_CASES not in (integration.scopes or []):
            integration.scopes = [*(integration.scopes or []), SCOPE_CASES]
            integration.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0022_scorecard_preset")]

    operations = [migrations.RunPython(grant_core_cases, migrations.RunPython.noop)]
