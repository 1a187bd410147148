"""Strategies in the admin: a supervisor adds a challenger to a segment; the shares must add up to 100;
every change audited; a strategy whose accounts have arms is not deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group

from accounts.models import AuditEntry
from collections_app import roles
from collections_app.models import Action, Arm, Segment
from collections_app.services.strategies import arm_assignments_record
from tests.collections_app.contact_fixtures import login
from tests.factories import UserFactory
from tests.strategies.book import NOW, TODAY, account, shipped

pytestmark = pytest.mark.django_db

FIELDS = ("position", "code", "name", "name_zh_hans", "bucket", "dpd_min", "dpd_max", "days_to_due_min",
          "days_to_due_max", "product", "balance_min", "balance_max", "language", "country")  # fmt: skip
ACTION_FIELDS = ("arm", "day_offset", "kind", "template_code", "channel", "priority")
FLAGS = ("every_day_after", "stop_if_paid", "stop_if_promise_open", "stop_if_complaint", "stop_if_cease")


def supervisor():  # type: ignore[no-untyped-def]
    roles.roles_ensure()
    user = UserFactory(username="sue", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    return user


def _value(value: Any) -> str:
    return "" if value is None else str(value)


def segment_form(segment: Segment, new_arms: list[dict[str, str]], champion_share: str) -> dict[str, str]:
    """The segment's change page as it is, the champion at ``champion_share``, with ``new_arms`` added."""
    data = {name: _value(getattr(segment, name)) for name in FIELDS}
    data["strategy"] = str(segment.strategy_id)
    arms = list(segment.arms.order_by("pk"))
    data.update({"arms-TOTAL_FORMS": str(len(arms) + len(new_arms)), "arms-INITIAL_FORMS": str(len(arms)),
                 "arms-MIN_NUM_FORMS": "0", "arms-MAX_NUM_FORMS": "1000"})  # fmt: skip
    for n, arm in enumerate(arms):
        data.update({f"arms-{n}-id": str(arm.pk), f"arms-{n}-segment": str(segment.pk), f"arms-{n}-code": arm.code,
                     f"arms-{n}-kind": arm.kind, f"arms-{n}-name": arm.name, f"arms-{n}-name_zh_hans": arm.name_zh_hans,
                     f"arms-{n}-share": champion_share if arm.kind == Arm.Kind.CHAMPION else str(arm.share)})  # fmt: skip
    for n, arm_fields in enumerate(new_arms, start=len(arms)):
        data.update({f"arms-{n}-{name}": value for name, value in arm_fields.items()})
        data[f"arms-{n}-segment"] = str(segment.pk)
    actions = list(segment.actions.order_by("pk"))
    data.update({"actions-TOTAL_FORMS": str(len(actions)), "actions-INITIAL_FORMS": str(len(actions)),
                 "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "1000"})  # fmt: skip
    for n, action in enumerate(actions):
        data.update({f"actions-{n}-id": str(action.pk), f"actions-{n}-segment": str(segment.pk)})
        data.update({f"actions-{n}-{name}": _value(getattr(action, name + "_id" if name == "arm" else name))
                     for name in ACTION_FIELDS})  # fmt: skip
        data.update({f"actions-{n}-{name}": "on" for name in FLAGS if getattr(action, name)})
    return data


CHALLENGER = {"code": "challenger", "kind": "challenger", "name": "Calls from D+1", "name_zh_hans": "", "share": "20"}


def test_a_supervisor_adds_a_challenger_at_20_percent_of_a_segment_and_it_is_audited() -> None:
    segment = shipped().segments.get(code="m1")
    client = login(supervisor())

    response = client.post(f"/admin/collections_app/segment/{segment.pk}/change/", segment_form(segment, [CHALLENGER], "80"))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(segment.arms.values_list("kind", "share")) == [
        ("challenger", Decimal("20.00")), ("champion", Decimal("80.00")),
    ]  # fmt: skip
    entry = AuditEntry.objects.get(action="segment.change", object_id=str(segment.pk))
    assert entry.actor is not None and entry.actor.username == "sue"
    assert [arm["share"] for arm in entry.before["arms"]] == ["100.00"]
    assert sorted(arm["share"] for arm in entry.after["arms"]) == ["20.00", "80.00"]


def test_shares_that_do_not_add_up_to_100_are_refused_and_nothing_changes() -> None:
    segment = shipped().segments.get(code="m1")
    client = login(supervisor())

    response = client.post(f"/admin/collections_app/segment/{segment.pk}/change/", segment_form(segment, [CHALLENGER], "90"))

    assert response.status_code == 200
    assert "must add up to 100" in response.content.decode()
    assert list(segment.arms.values_list("kind", "share")) == [("champion", Decimal("100.00"))]
    assert not AuditEntry.objects.filter(action__startswith="segment.").exists()


def test_an_action_on_another_segments_arm_or_an_unknown_template_is_refused() -> None:
    strategy = shipped()
    segment, other = strategy.segments.get(code="m1"), strategy.segments.get(code="pre-due")
    client = login(supervisor())
    data = segment_form(segment, [], "100")
    data["actions-0-template_code"] = "no_such_template"
    data["actions-1-arm"] = str(other.arms.get().pk)
    before = list(Action.objects.order_by("pk").values())

    response = client.post(f"/admin/collections_app/segment/{segment.pk}/change/", data)

    assert response.status_code == 200
    assert list(Action.objects.order_by("pk").values()) == before
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert errors[0] == {"template_code": ["No active template has this code on this channel."]}
    assert "arm" in errors[1]


def test_a_strategy_whose_accounts_have_arms_is_not_deleted() -> None:
    strategy = shipped()
    account(due_in=3)
    arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)
    client = login(supervisor())

    response = client.post(f"/admin/collections_app/strategy/{strategy.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert type(strategy).objects.filter(pk=strategy.pk).exists()
