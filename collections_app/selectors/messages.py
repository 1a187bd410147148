"""Reads of the messages sent about cases: who may see which, and the supervisors' message log.

A session sees the messages of the cases it sees (``cases_visible_to``: an agent their own cases, a
team lead the team's, supervisors, administrators and analysts every case). Days are the book's
calendar days (``accounts.calendar.day_bounds``), as in the reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from accounts.calendar import day_bounds
from collections_app.models import Message
from collections_app.selectors.cases import cases_visible_to, sees_every_case


def messages_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Message]:
    """The messages about the cases ``user`` sees (none for an anonymous user)."""
    messages = Message.objects.all()
    if not getattr(user, "is_authenticated", False):
        return messages.none()
    if not sees_every_case(user):
        messages = messages.filter(case__in=cases_visible_to(user))
    return messages


@dataclass(frozen=True)
class MessageLogFilter:
    """What the message log is narrowed to; ``None`` (or empty) leaves a criterion out."""

    status: str = ""
    channel: str = ""
    day_from: dt.date | None = None
    day_to: dt.date | None = None  # inclusive
    team_id: int | None = None


def message_log(user: AbstractBaseUser | AnonymousUser, wanted: MessageLogFilter) -> QuerySet[Message]:
    """The messages ``user`` sees, narrowed by ``wanted``, newest first, with what the log shows joined in."""
    messages = messages_visible_to(user)
    if wanted.status:
        messages = messages.filter(status=wanted.status)
    if wanted.channel:
        messages = messages.filter(channel=wanted.channel)
    if wanted.day_from is not None:
        messages = messages.filter(created_at__gte=day_bounds(wanted.day_from)[0])
    if wanted.day_to is not None:
        messages = messages.filter(created_at__lt=day_bounds(wanted.day_to)[1])
    if wanted.team_id is not None:
        messages = messages.filter(case__team_id=wanted.team_id)
    return messages.select_related(
        "template", "agent", "phone", "email", "case__team", "account"
    ).order_by("-created_at", "-pk")
