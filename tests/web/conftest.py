from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from collections_app import roles
from tests.factories import UserFactory

PASSWORD = "pw-secret-123"


@pytest.fixture
def user_with_role(db: Any) -> Any:
    """Make a user holding one role (a superuser for the administrator)."""
    groups = roles.roles_ensure()

    def make(role: str, username: str | None = None) -> AbstractBaseUser:
        admin = role == roles.ADMINISTRATOR
        user = UserFactory(username=username or f"{role}-user", is_staff=admin, is_superuser=admin)
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
