"""The schema says null where the API answers null: a case's agent and team are null while it is
unassigned, and every field read through an optional relation is nullable in the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import models
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from collections_app.models import Case
from collections_app.roles import SUPERVISOR
from tests.factories import UserFactory
from tests.scheduling.conftest import make_debt

pytestmark = pytest.mark.django_db
PROJECT_APPS = ("accounts.", "collections_app.", "scheduling.", "config.")


def schema_property(component: str, name: str) -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return dict(schema["components"]["schemas"][component]["properties"][name])


def project_model_serializers() -> list[type[serializers.ModelSerializer[Any]]]:
    get_resolver().url_patterns  # noqa: B018 - loading the URLs imports every API module
    found: list[type[serializers.ModelSerializer[Any]]] = []
    todo: list[type[Any]] = [serializers.ModelSerializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith(PROJECT_APPS) and getattr(getattr(cls, "Meta", None), "model", None):
            found.append(cls)
    return found


def through_optional_relation(model: type[models.Model], source: str) -> bool:
    """Whether reading ``source`` (``agent.user.username``) from ``model`` can meet a null on the way."""
    for name in source.split("."):
        try:
            field = model._meta.get_field(name)
        except Exception:
            return False
        if getattr(field, "null", False):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model  # type: ignore[assignment]
    return False


@pytest.mark.parametrize(
    ("component", "name"),
    [("Case", "agent"), ("Case", "team"), ("Complaint", "agent"), ("Complaint", "owner"), ("Extension", "approver")],
)
def test_the_schema_marks_what_an_unset_relation_answers_as_nullable(component: str, name: str) -> None:
    assert schema_property(component, name).get("nullable") is True


def test_a_cases_required_references_stay_not_nullable() -> None:
    assert "nullable" not in schema_property("Case", "account_external_id")
    assert "nullable" not in schema_property("Extension", "requested_by")


def test_an_unassigned_case_answers_null_agent_and_team_as_its_schema_says(presets: None) -> None:
    debt = make_debt()
    Case.objects.create(account=debt.account, opened_on=dt.date(2026, 3, 1), bucket="M1", dpd=10)
    supervisor = UserFactory(username="sup")
    supervisor.groups.add(Group.objects.get_or_create(name=SUPERVISOR)[0])
    client = APIClient()
    client.force_login(supervisor)

    row = client.get("/api/v1/cases/").json()["results"][0]

    assert (row["agent"], row["team"]) == (None, None)
    assert schema_property("Case", "agent")["nullable"] and schema_property("Case", "team")["nullable"]


def test_every_field_read_through_an_optional_relation_allows_null() -> None:
    found = project_model_serializers()
    assert len(found) >= 5

    wrong = [
        f"{cls.__name__}.{name} ({field.source})"
        for cls in found
        for name, field in cls().fields.items()
        if "." in (field.source or "") and through_optional_relation(cls.Meta.model, field.source or "")
        and not field.allow_null
    ]  # fmt: skip

    assert wrong == []
