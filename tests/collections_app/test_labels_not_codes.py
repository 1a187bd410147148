"""Users read words, not machine codes: an outcome, a status, a register entry show by their label
(translated where shipped) wherever an object is named, the admin's lists included."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from collections_app import roles
from collections_app.models import ContactAttempt, DispositionCode, DncEntry
from tests.collections_app.contact_fixtures import (  # noqa: F401 (fixtures)
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
    outcome,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_outcome_is_named_by_its_label_in_both_languages(contact_data):
    promise = DispositionCode.objects.get(code="rpc_promise")

    from django.utils import translation

    assert str(promise) == "Right-party contact - promise to pay"
    with translation.override("zh-hans"):
        assert str(promise) != "rpc_promise"
        assert "rpc" not in str(promise)


def test_the_administrators_call_log_lists_outcomes_and_statuses_in_words(floor, at):
    case = open_case(floor.ann)
    ann = login(floor.ann.user)
    ann.post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}, **HTMX)
    attempt = ContactAttempt.objects.get()
    ann.post(f"/cases/{case.pk}/calls/{attempt.pk}/outcome/", outcome("rpc_promise"), **HTMX)
    sue = UserFactory(username="ada", is_staff=True, is_superuser=True)
    sue.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    client = Client()
    client.force_login(sue)

    page = client.get(reverse("admin:collections_app_contactattempt_changelist")).content.decode()

    assert "Right-party contact - promise to pay" in page
    assert ">rpc_promise<" not in page


def test_a_register_entry_is_named_by_its_kind():
    entry = DncEntry(pk=7, type=DncEntry.Type.DO_NOT_CALL, number="+12125550100")

    assert str(entry) == "Do not call this number 7"
