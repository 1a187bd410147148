"""Admin: editing an extension SOP saves a new version; requests keep theirs."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from collections_app.models import ExtensionSop
from tests.collections_app.extension_book import an_agent, draft_with_script, eligible_case, shipped_sop
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SOP_FIELDS = (
    "name", "buckets", "min_dpd", "max_dpd", "products", "max_per_year", "broken_promise_days", "min_repaid_share",
    "max_installments", "max_extension_days", "max_penalty_waiver", "max_interest_waiver", "min_down_payment",
)  # fmt: skip


def change_form(sop: ExtensionSop, **changes: str) -> dict[str, str]:
    data = {name: "" if getattr(sop, name) is None else str(getattr(sop, name)) for name in SOP_FIELDS}
    data["refuse_open_dispute"] = "on"
    data["hardship_reasons"] = json.dumps(sop.hardship_reasons)
    for prefix, rows, names in (
        ("steps", list(sop.steps.all()), ("position", "code", "text_en", "text_zh_hans")),
        ("authorities", list(sop.authorities.all()), ("role", "bucket", "max_waived_amount", "max_waiver_share")),
    ):
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(len(rows))})
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = str(row.pk)
            data[f"{prefix}-{i}-sop"] = str(sop.pk)
            for name in names:
                value = getattr(row, name)
                data[f"{prefix}-{i}-{name}"] = "" if value is None else str(value)
            if prefix == "steps":
                data[f"{prefix}-{i}-required"] = "on"
    data.update(changes)
    return data


def test_editing_the_sop_in_the_admin_makes_a_new_version_and_the_draft_keeps_the_old_one():
    agent = an_agent()
    request = draft_with_script(eligible_case(agent), agent.user)
    old = shipped_sop()
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    answer = client.post(
        f"/admin/collections_app/extensionsop/{old.pk}/change/",
        change_form(old, max_extension_days="15", **{"authorities-0-max_waived_amount": "150.00"}),
    )

    assert answer.status_code == 302, answer.content.decode()[:2000]
    new = ExtensionSop.objects.get(name=old.name, active=True)
    assert (new.version, new.max_extension_days) == (2, 15)
    assert new.steps.count() == 5
    assert sorted(new.authorities.values_list("max_waived_amount", flat=True), key=str)[0] is not None
    old.refresh_from_db()
    assert (old.active, old.max_extension_days, old.steps.count()) == (False, 30, 5)
    request.refresh_from_db()
    assert request.sop_id == old.pk
