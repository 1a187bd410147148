"""What an integrator reads in the schema is what comes back: a bad cursor is bad input (400 naming
``cursor``), the hand-paginated lists are declared as pages, and every operation lists the
refusals of the error contract."""

from __future__ import annotations

import io

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from collections_app import roles
from tests.factories import UserFactory

LISTS = ("/api/v1/cases/", "/api/v1/complaints/", "/api/v1/disputes/", "/api/v1/qa/reviews/", "/api/v1/messages/")


@pytest.fixture
def supervisor() -> APIClient:
    roles.roles_ensure()
    user = UserFactory(username="sue", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def schema() -> dict:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_that_does_not_decode_is_a_400_naming_it(supervisor: APIClient, path: str) -> None:
    response = supervisor.get(path, {"cursor": "untouched"})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["cursor"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_a_good_cursor_still_pages(supervisor: APIClient, path: str) -> None:
    response = supervisor.get(path, {"limit": 1})

    assert response.status_code == 200
    assert set(response.json()) == {"next", "previous", "results"}


@pytest.mark.parametrize("path", ["/api/v1/complaints/", "/api/v1/disputes/", "/api/v1/qa/reviews/", "/api/v1/messages/"])
def test_hand_paginated_lists_are_declared_as_pages(schema: dict, path: str) -> None:
    ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"


def test_every_operation_lists_the_refusals_of_the_error_contract(schema: dict) -> None:
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            wanted = {"400", "401", "403"} | ({"404"} if "{" in path else set())
            wanted |= {"413"} if method in ("post", "put", "patch") else set()
            if not wanted <= codes:
                missing.append(f"{method.upper()} {path}: {sorted(wanted - codes)}")
            body = operation["responses"]["401"]["content"]["application/json"]["schema"] if "401" in codes else {}
            if body and "$ref" not in body:
                missing.append(f"{method.upper()} {path}: 401 without the error body")
    assert not missing, "\n".join(missing)
