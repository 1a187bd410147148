"""The shipped treatment strategy (DESIGN.md 16), active: SMS reminders at D-3, D-1 and on the due date
for accounts still current; in M1 an SMS at D+1 and calls from D+2. Names in English and Chinese.

Creates what is missing, never overwrites: a strategy an administrator already made stays as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

CODE = "standard"
NAMES = ("Standard treatment", "标准催收策略")
CHAMPION = ("Champion", "冠军组")
# (position, code, (en, zh-Hans), segment fields, [(day offset, every day after, kind, template, channel, priority)])
Plan = list[tuple[int, bool, str, str, str, int | None]]
SEGMENTS: list[tuple[int, str, tuple[str, str], dict[str, Any], Plan]] = [
    (10, "pre-due", ("Pre-due reminders", "到期前提醒"), {"bucket": "M0", "days_to_due_min": 0, "days_to_due_max": 3}, [
        (-3, False, "send", "pre_due_sms", "sms", None),
        (-1, False, "send", "pre_due_sms", "sms", None),
        (0, False, "send", "pre_due_sms", "sms", None),
    ]),
    (20, "m1", ("M1 early collection", "M1 早期催收"), {"bucket": "M1"}, [
        (1, False, "send", "overdue_sms", "sms", None),
        (2, True, "dialer", "", "", 50),
    ]),
]  # fmt: skip


def ensure_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    strategies = apps.get_model("collections_app", "Strategy")
    if strategies.objects.filter(code=CODE).exists():
        return
    segments = apps.get_model("collections_app", "Segment")
    arms = apps.get_model("collections_app", "Arm")
    actions = apps.get_model("collections_app", "Action")
    strategy = strategies.objects.create(
        code=CODE, version=1, name=NAMES[0], name_zh_hans=NAMES[1], active=True, effective_from=dt.date(2026, 1, 1)
    )
    for position, code, (name, name_zh), fields, plan in SEGMENTS:
        segment = segments.objects.create(
            strategy=strategy, position=position, code=code, name=name, name_zh_hans=name_zh, **fields
        )
        arm = arms.objects.create(
            segment=segment, code="champion", kind="champion", name=CHAMPION[0], name_zh_hans=CHAMPION[1],
            share=Decimal("100"),
        )  # fmt: skip
        actions.objects.bulk_create(
            actions(
                segment=segment, arm=arm, day_offset=day, every_day_after=every_day, kind=kind, template_code=template,
                channel=channel, priority=priority,
            )  # fmt: skip
            for day, every_day, kind, template, channel, priority in plan
        )


def remove_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("collections_app", "Strategy").objects.filter(code=CODE, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0025_strategies"),
        ("collections_app", "0020_message_template_presets"),
    ]
    operations = [migrations.RunPython(ensure_defaults, remove_defaults)]
