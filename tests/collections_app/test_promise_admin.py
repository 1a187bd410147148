"""Admin: the promise policy is edited there (audited); promises and callbacks are shown read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from accounts.models import AuditEntry
from collections_app.models import PromisePolicy
from collections_app.services.promise_policy import promise_policies_ensure
from tests.collections_app.promise_book import make_case, promise
from tests.factories import UserFactory, make_agent, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    promise_policies_ensure()
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_an_administrator_changes_a_buckets_latest_date_and_the_change_is_audited(admin_client):
    m2 = PromisePolicy.objects.get(bucket="M2")
    form = {
        "bucket": "M2", "max_days_ahead": "12", "plan_max_days_ahead": "30", "max_parts": "6",
        "min_share": "0.1000", "grace_days": "2", "kept_threshold": "1.0000",
    }  # fmt: skip

    answer = admin_client.post(f"/admin/collections_app/promisepolicy/{m2.pk}/change/", form)

    assert answer.status_code == 302
    assert PromisePolicy.objects.get(bucket="M2").max_days_ahead == 12
    entry = AuditEntry.objects.get(action="promise_policy.change")
    assert (entry.before["max_days_ahead"], entry.after["max_days_ahead"]) == ("10", "12")


def test_a_threshold_above_one_hundred_percent_is_refused(admin_client):
    m1 = PromisePolicy.objects.get(bucket="M1")
    form = {
        "bucket": "M1", "max_days_ahead": "14", "plan_max_days_ahead": "30", "max_parts": "6",
        "min_share": "0.1000", "grace_days": "2", "kept_threshold": "1.5000",
    }  # fmt: skip

    answer = admin_client.post(f"/admin/collections_app/promisepolicy/{m1.pk}/change/", form)

    assert answer.status_code == 200
    assert PromisePolicy.objects.get(bucket="M1").kept_threshold == 1


def test_promises_and_callbacks_are_read_only_in_the_admin(admin_client):
    case = make_case(make_agent(make_team("T", ["M1"]), "ann"))
    taken = promise(case, (dt.date(2026, 3, 6), "100.00"), today=dt.date(2026, 3, 2))

    page = admin_client.get(f"/admin/collections_app/promisetopay/{taken.pk}/change/")
    changed = admin_client.post(f"/admin/collections_app/promisetopay/{taken.pk}/change/", {"status": "kept"})
    callbacks = admin_client.get("/admin/scheduling/callback/")

    assert page.status_code == 200
    assert changed.status_code == 403
    assert callbacks.status_code == 200
