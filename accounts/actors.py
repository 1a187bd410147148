"""Who acts: the one type of the actor every service takes, and the user a foreign key stores.

A request's user (an agent, a lead, an administrator, an integration's service user) or, for a
job, nobody. Services take an ``Actor``; what they store (``created_by``, ``by``...) is
``actor_user(actor)``: the signed-in user, or None.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

Actor = AbstractBaseUser | AnonymousUser


def actor_user(actor: Actor | None) -> User | None:
    """The signed-in user behind ``actor`` (None for anonymous or none), as a foreign key takes it."""
    return cast(User, actor) if actor is not None and getattr(actor, "is_authenticated", False) else None
