"""How a dialer's names map to ours: its call ids and the agents it names.

Calls are known to the dialer by its own call id; here the attempt's ``external_id`` is that id
prefixed with the integration's id, so two dialers may use the same ids.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from collections_app.models import Agent, Integration
from config.errors import DomainError


def external_id_for(integration: Integration, call_id: str) -> str:
    """The attempt's ``external_id`` for a dialer's call id (unique across integrations)."""
    return f"{integration.pk}:{call_id}"


def agent_user_for(username: str | None) -> AbstractBaseUser | None:
    """The user of the agent a dialer names, or a field error."""
    if not username:
        return None
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise DomainError(
            _("No agent with this username."), errors={"agent": [_("No agent %(name)s.") % {"name": username}]}
        )
    return agent.user
