"""The shipped complaint categories (DESIGN.md 17) and the default deadline policy.

Creates the missing ones, never overwrites. Holding categories pause collection on the debt while
a complaint is open; fees and privacy complaints are answered without pausing it.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.translation import gettext_noop

CATEGORIES: list[tuple[str, str, bool]] = [
    ("debt_not_owed", gettext_noop("Debt not owed"), True),
    ("communication_tactics", gettext_noop("Communication tactics"), True),
    ("false_statements", gettext_noop("False statements"), True),
    ("threatened_action", gettext_noop("Threatened action"), True),
    ("third_parties_contacted", gettext_noop("Third parties contacted"), True),
    ("privacy", gettext_noop("Privacy"), False),
    ("fees", gettext_noop("Fees"), False),
    ("violent_collection", gettext_noop("Violent collection (暴力催收)"), True),
    ("harassing_third_parties", gettext_noop("Harassing third parties (骚扰第三方)"), True),
    ("frequent_calls", gettext_noop("Frequent calls (频繁致电)"), True),
]


def ensure_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    category = apps.get_model("collections_app", "ComplaintCategory")
    existing = set(category.objects.values_list("code", flat=True))
    category.objects.bulk_create(
        category(code=code, label=label, holding=holding, position=(index + 1) * 10)
        for index, (code, label, holding) in enumerate(CATEGORIES)
        if code not in existing
    )
    # Acknowledge in 1 business day, answer within 15 calendar days (the CFPB's company-response window).
    apps.get_model("collections_app", "ComplaintPolicy").objects.get_or_create(
        country="", defaults={"acknowledge_business_days": 1, "resolve_days": 15, "resolve_in_business_days": False}
    )


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0016_complaints")]

    operations = [migrations.RunPython(ensure_defaults, migrations.RunPython.noop)]
