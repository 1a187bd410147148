"""The shipped promise policies (DESIGN.md section 7) and finding the one that governs a case.

M1: the date at most 14 days ahead; M2: 10 (between M1's 14 and M3's 7, so the horizon shortens
as the debt ages); M3 and later (the default row, empty bucket): 7. Everywhere: at least 10% of
the overdue amount, a plan of at most 6 parts ending within 30 days, 2 grace days, kept at 100%.
"""

from __future__ import annotations

from typing import Any

from django.apps.registry import Apps

from collections_app.models import PromisePolicy
from collections_app.models.promises import PROMISE_POLICY_COMMON as COMMON
from collections_app.models.promises import PROMISE_POLICY_SHIPPED as SHIPPED


def promise_policies_ensure(*, apps: Apps | None = None) -> int:
    """Create the shipped rows that are missing; never change an existing one. Returns rows created."""
    model: Any = apps.get_model("collections_app", "PromisePolicy") if apps is not None else PromisePolicy
    existing = set(model.objects.values_list("bucket", flat=True))
    created = model.objects.bulk_create(
        [
            model(bucket=bucket, **COMMON, **values)
            for bucket, values in SHIPPED.items()
            if bucket not in existing
        ]
    )
    return len(created)
