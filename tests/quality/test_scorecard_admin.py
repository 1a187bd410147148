"""Scorecards in the admin: made with their items, one active at a time, audited; frozen once a call was
reviewed on them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import AuditEntry
from collections_app import roles
from collections_app.models import QaReview, Scorecard
from collections_app.services.quality import qa_sample_build
from tests.collections_app.contact_fixtures import login
from tests.factories import UserFactory
from tests.quality.quality_fixtures import WEEK, QaFloor, call, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

ITEMS = "items"  # the inline's prefix (the related name)


def administrator():  # type: ignore[no-untyped-def]
    user = UserFactory(username="ada", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    return user


def form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "short-call", "name": "Short call", "is_active": "on", "sample_percent": "10", "pass_mark": "75",
        f"{ITEMS}-TOTAL_FORMS": "2", f"{ITEMS}-INITIAL_FORMS": "0", f"{ITEMS}-MIN_NUM_FORMS": "0",
        f"{ITEMS}-MAX_NUM_FORMS": "1000",
        f"{ITEMS}-0-position": "10", f"{ITEMS}-0-code": "greeting", f"{ITEMS}-0-label": "Greets", f"{ITEMS}-0-weight": "5",
        f"{ITEMS}-1-position": "20", f"{ITEMS}-1-code": "disclosure", f"{ITEMS}-1-label": "Discloses",
        f"{ITEMS}-1-weight": "10", f"{ITEMS}-1-critical": "on",
    }  # fmt: skip
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_makes_a_scorecard_active_and_the_old_one_steps_down(qa: QaFloor) -> None:
    client = login(administrator())

    response = client.post("/admin/collections_app/scorecard/add/", form())

    assert response.status_code == 302, response.content.decode()[:2000]
    made = Scorecard.objects.get(code="short-call")
    assert made.is_active and list(made.items.values_list("code", "weight", "critical")) == [
        ("greeting", 5, False), ("disclosure", 10, True),
    ]  # fmt: skip
    assert not Scorecard.objects.get(pk=qa.scorecard.pk).is_active
    assert AuditEntry.objects.filter(action="scorecard.create").get().after["items"][1]["critical"] == "True"
    assert AuditEntry.objects.filter(action="scorecard.deactivate").count() == 1


def test_a_bad_sample_share_or_weight_is_refused_and_nothing_is_made(qa: QaFloor) -> None:
    client = login(administrator())

    over = client.post("/admin/collections_app/scorecard/add/", form(sample_percent="101"))
    weightless = client.post("/admin/collections_app/scorecard/add/", form(**{f"{ITEMS}-0-weight": "0"}))

    assert over.status_code == weightless.status_code == 200  # the form again, with its errors
    assert not Scorecard.objects.filter(code="short-call").exists()
    assert Scorecard.objects.get(pk=qa.scorecard.pk).is_active


def test_a_scorecard_with_reviews_keeps_its_items_and_is_not_deleted(qa: QaFloor) -> None:
    call(qa.ann, qa.cases["ann"])
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    qa_sample_build(week=WEEK)
    assert QaReview.objects.filter(scorecard=qa.scorecard).exists()
    client = login(administrator())

    page = client.get(f"/admin/collections_app/scorecard/{qa.scorecard.pk}/change/")
    delete = client.get(f"/admin/collections_app/scorecard/{qa.scorecard.pk}/delete/")

    assert page.status_code == 200
    assert 'name="items-0-weight"' not in page.content.decode()  # shown, not editable
    assert delete.status_code == 403
