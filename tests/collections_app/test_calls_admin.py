"""The admin pages of the call log and the disposition codes."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from collections_app.models import ContactAttempt, DispositionCode
from tests.collections_app.contact_fixtures import (  # noqa: F401
    at_fixture,
    code,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(floor):  # type: ignore[no-untyped-def]
    return login(UserFactory(username="root", is_staff=True, is_superuser=True))


def test_the_call_log_opens_read_only_with_the_numbers_masked(floor, at, admin_client):
    case = open_case(floor.ann)
    phone = first_phone(case)
    login(floor.ann.user).post(f"/cases/{case.pk}/calls/", {"phone": phone.pk})
    attempt = ContactAttempt.objects.get()

    listing = admin_client.get("/admin/collections_app/contactattempt/")
    page = admin_client.get(f"/admin/collections_app/contactattempt/{attempt.pk}/change/")

    assert listing.status_code == page.status_code == 200
    for response in (listing, page):
        assert phone.number not in response.content.decode()
        assert phone.number_masked in response.content.decode()
    assert admin_client.get("/admin/collections_app/contactattempt/add/").status_code == 403
    assert admin_client.post(f"/admin/collections_app/contactattempt/{attempt.pk}/delete/").status_code == 403


def test_an_administrator_retires_a_disposition_and_the_change_is_audited(floor, admin_client):
    busy = code("busy")

    response = admin_client.post(
        f"/admin/collections_app/dispositioncode/{busy.pk}/change/",
        {"label": busy.label, "category": busy.category, "not_connected": "on", "position": busy.position},
    )

    assert response.status_code == 302
    busy.refresh_from_db()
    assert (busy.code, busy.is_active) == ("busy", False)
    entry = AuditEntry.objects.get(action="admin.dispositioncode.change")
    assert entry.after == {"is_active": False}
    assert admin_client.get(f"/admin/collections_app/dispositioncode/{busy.pk}/delete/").status_code == 403


def test_a_retired_disposition_is_no_longer_offered_in_the_outcome_form(floor, at):
    DispositionCode.objects.filter(code="busy").update(is_active=False)
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    placed = client.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}, HTTP_HX_REQUEST="true")

    options = [c.code for c in placed.context["call"].form.dispositions()]
    assert "busy" not in options
    assert "no_answer" in options
