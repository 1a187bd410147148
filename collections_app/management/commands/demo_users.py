"""``manage.py demo_users``: the roles, two demo teams and one demo login per role, printed as a table.

Safe to run again: it updates the same users, teams and agents. The password is ``DEMO_PASSWORD``
from the environment, or a printed default. Refuses to run with ``DJANGO_DEBUG=0`` unless told to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Bucket
from accounts.services.cob import buckets_ensure_defaults
from collections_app import roles
from collections_app.models import Agent, Team

DEFAULT_PASSWORD = "demo-pass-2026"

# team name -> bucket codes it serves: together, every delinquent bucket of the shipped scale
DEMO_TEAMS = {"M1 Team": ("M1",), "M2-M3 Team": ("M2", "M3"), "M4-M6+ Team": ("M4", "M5", "M6", "M6+")}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    team: str = ""
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("agent1", roles.AGENT, team="M1 Team"),
    DemoUser("agent2", roles.AGENT, team="M1 Team"),
    DemoUser("agent3", roles.AGENT, team="M2-M3 Team"),
    DemoUser("agent4", roles.AGENT, team="M4-M6+ Team"),
    DemoUser("lead1", roles.TEAM_LEAD, team="M1 Team", is_staff=True),
    DemoUser("lead2", roles.TEAM_LEAD, team="M4-M6+ Team", is_staff=True),
    DemoUser("supervisor1", roles.SUPERVISOR, is_staff=True),
    # The administrator's role and nothing more (DESIGN.md section 11): not a superuser, so it configures
    # and reads, and works no case (no reassigning, locking or leave; no lockout admin).
    DemoUser("admin1", roles.ADMINISTRATOR, is_staff=True),
    DemoUser("analyst1", roles.ANALYST),
)


@transaction.atomic
def demo_users_ensure(*, password: str) -> list[DemoUser]:
    """Create or refresh the roles, the demo teams and the demo users with ``password``."""
    groups = roles.roles_ensure()
    buckets_ensure_defaults()
    buckets = {bucket.code: bucket for bucket in Bucket.objects.filter(code__in={c for cs in DEMO_TEAMS.values() for c in cs})}
    teams: dict[str, Team] = {}
    for name, codes in DEMO_TEAMS.items():
        team, _created = Team.objects.get_or_create(name=name)
        team.buckets.add(*(buckets[code] for code in codes if code in buckets))
        teams[name] = team

    user_model = get_user_model()
    for demo in DEMO_USERS:
        user, _created = user_model.objects.get_or_create(username=demo.username)
        user.is_staff, user.is_superuser, user.is_active = demo.is_staff, demo.is_superuser, True
        user.set_password(password)
        user.save()
        user.groups.add(groups[demo.role])
        if demo.role == roles.AGENT:
            Agent.objects.update_or_create(user=user, defaults={"team": teams[demo.team]})
        elif demo.role == roles.TEAM_LEAD:
            Team.objects.filter(pk=teams[demo.team].pk).update(lead=user)
    return list(DEMO_USERS)


class Command(BaseCommand):
    help = "Create the roles and one demo login per role, and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Create the demo users even with DJANGO_DEBUG=0 (never on a real deployment).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("demo_users makes logins with a known password: refused with DJANGO_DEBUG=0.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        users = demo_users_ensure(password=password)

        rows = [("username", "role", "team", "password")]
        rows += [(user.username, user.role, user.team or "-", password) for user in users]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        rule = "+".join("-" * (width + 2) for width in widths)
        self.stdout.write("Demo logins (DEMO_PASSWORD sets the password):")
        self.stdout.write(f"+{rule}+")
        for index, row in enumerate(rows):
            self.stdout.write("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
            if index == 0:
                self.stdout.write(f"+{rule}+")
        self.stdout.write(f"+{rule}+")
