"""The supervisor's admin pages for policies, assignments and contact preferences."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditEntry
from scheduling.models import ContactPolicy, ContactPreference
from tests.factories import UserFactory
from tests.scheduling.conftest import Debt

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["contactpolicy", "policyassignment", "contactpreference"])
def test_the_lists_and_the_add_forms_open(supervisor: Client, presets: None, model: str) -> None:
    assert supervisor.get(f"/admin/scheduling/{model}/").status_code == 200
    assert supervisor.get(f"/admin/scheduling/{model}/add/").status_code == 200


def test_a_policy_cannot_be_deleted(supervisor: Client, presets: None) -> None:
    policy = ContactPolicy.objects.first()
    assert policy is not None

    assert supervisor.get(f"/admin/scheduling/contactpolicy/{policy.pk}/delete/").status_code == 403


def test_a_preference_recorded_in_the_admin_is_audited(supervisor: Client, new_yorker: Debt) -> None:
    response = supervisor.post(
        "/admin/scheduling/contactpreference/add/",
        {"borrower": new_yorker.borrower.pk, "cease_communication": "on"},
    )

    assert response.status_code == 302
    assert ContactPreference.objects.get(borrower=new_yorker.borrower).cease_communication
    assert AuditEntry.objects.filter(action="contact_preference.update").count() == 1
