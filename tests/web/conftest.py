from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.test import Client

from collections_app import roles
from collections_app.services import clock
from tests.factories import UserFactory
from tests.web.authz_world import NOW, World, world_build

PASSWORD = "pw-secret-123"


@pytest.fixture
def user_with_role(db: Any) -> Any:
    """Make a user holding one role (staff for the administrator, never a superuser: DESIGN.md 11)."""
    groups = roles.roles_ensure()

    def make(role: str, username: str | None = None) -> AbstractBaseUser:
        admin = role == roles.ADMINISTRATOR
        user = UserFactory(username=username or f"{role}-user", is_staff=admin)
        user.groups.add(groups[role])
        return user

    return make


@pytest.fixture
def client_as(client: Client, user_with_role: Any) -> Any:
    """A test client logged in as a new user with ``role``."""

    def login(role: str) -> Client:
        client.force_login(user_with_role(role))
        return client

    return login


# The world, built once for each test module (each test runs in a savepoint inside it).
@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOW)
        patch.setattr("django.utils.timezone.now", lambda: NOW)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
