"""A team, its cases and borrowers' phones for the contact tests, and a clock the screens read.

A test module imports the three fixtures (``contact_data_fixture``, ``floor_fixture``, ``at_fixture``);
they are named ``contact_data``, ``floor`` and ``at`` for the tests.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import Phone
from collections_app import roles
from collections_app.models import Agent, Case, DispositionCode
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.factories import PhoneFactory, UserFactory, make_agent, make_open_cases, make_team

NY = "America/New_York"
_numbers = itertools.count(3000)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant given by the wall clock in ``zone``, as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


# A Tuesday in April: New York on daylight time (EDT, UTC-4), no US holiday.
MORNING = local(NY, 2026, 4, 7, 10)
NIGHT = local(NY, 2026, 4, 7, 22, 30)


def dispositions_ensure() -> None:
    """The shipped disposition codes (migration 0003); a flushed database needs them again."""
    migration = importlib.import_module("collections_app.migrations.0003_disposition_defaults")
    migration.ensure_defaults(apps, None)


@pytest.fixture(name="contact_data")
def contact_data_fixture(db: None) -> None:
    presets_ensure()
    dispositions_ensure()


@pytest.fixture(name="at")
def at_fixture(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """``at(instant)`` stands every screen at ``instant`` (default: a Tuesday, 10:00 in New York)."""

    def stand(instant: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: instant)

    stand(MORNING)
    return stand


@dataclass
class Floor:
    ann: Agent
    bob: Agent
    lead: object
    other_lead: object
    analyst: object


@pytest.fixture(name="floor")
def floor_fixture(contact_data: None) -> Floor:
    team = make_team("M1 Team", ["M1"])
    ann, bob = make_agent(team, "ann"), make_agent(team, "bob")
    groups = roles.roles_ensure()
    lead = UserFactory(username="lead")
    lead.groups.add(groups[roles.TEAM_LEAD])
    team.lead = lead
    team.save()
    other = make_team("M2 Team", ["M2"])
    other_lead = UserFactory(username="other-lead")
    other_lead.groups.add(groups[roles.TEAM_LEAD])
    other.lead = other_lead
    other.save()
    analyst = UserFactory(username="analyst")
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))
    return Floor(ann=ann, bob=bob, lead=lead, other_lead=other_lead, analyst=analyst)


def open_case(agent: Agent, *, timezone: str = NY, phones: int = 1, **phone_fields: object) -> Case:
    """An open case of ``agent`` on a fresh debt, its borrower in ``timezone`` with ``phones`` mobiles."""
    case = make_open_cases([Decimal("250.00")], agent=agent)[0]
    borrower = case.account.borrower
    if timezone != NY:
        borrower.timezone = timezone
        borrower.country = {"Asia/Shanghai": "CN", "Europe/London": "GB"}.get(timezone, "US")
        borrower.region = ""
        borrower.save()
    for _ in range(phones):
        add_phone(case, **phone_fields)
    return Case.objects.select_related("account__borrower").get(pk=case.pk)


def add_phone(case: Case, **fields: object) -> Phone:
    borrower = case.account.borrower
    prefix = {"CN": "+8613900", "GB": "+4479000"}.get(borrower.country, "+1212555")
    fields.setdefault("timezones", borrower.timezone)
    return PhoneFactory(borrower=borrower, number=f"{prefix}{next(_numbers):04d}", **fields)


def first_phone(case: Case) -> Phone:
    return case.account.borrower.phones.order_by("pk").first()  # type: ignore[return-value]


def login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def code(name: str) -> DispositionCode:
    return DispositionCode.objects.get(code=name)


def outcome(disposition: str, /, **fields: object) -> dict[str, object]:
    """The outcome form as an agent fills it for ``disposition`` (the flags it implies ticked)."""
    chosen = code(disposition)
    data: dict[str, object] = {"disposition": chosen.pk, "talk_time": "", "notes": ""}
    if chosen.category == DispositionCode.Category.RIGHT_PARTY:
        data["right_party_contact"] = "on"
    if chosen.conversation:
        data["conversation"] = "on"
        data["talk_time"] = "1:30"
    if chosen.cease or chosen.dispute or chosen.do_not_call:  # stops collection: a note and a confirmation
        data["notes"] = "Asked for it on this call; read back and confirmed."
        data["confirm"] = "on"
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
