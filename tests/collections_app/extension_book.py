"""A small book for the extension tests: the shipped SOP, an agent, a team lead, a supervisor, a case."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group, User

from accounts.models import Installment
from collections_app.models import Agent, Case, ExtensionRequest, ExtensionSop
from collections_app.services.extensions import Terms, extension_create, extension_submit, extension_tick_step
from tests.collections_app.promise_book import make_case, pay
from tests.factories import UserFactory, make_agent, make_team

TODAY = dt.date(2026, 3, 1)
SOP_NAME = "M1-M2 cash loan deferral"


def shipped_sop() -> ExtensionSop:
    """The SOP the data migration ships (shipped again when a transactional test flushed it)."""
    sop = ExtensionSop.objects.filter(name=SOP_NAME, active=True).first()
    if sop is None:
        importlib.import_module("collections_app.migrations.0010_extension_sop_preset").ship(apps, None)
        sop = ExtensionSop.objects.get(name=SOP_NAME, active=True)
    return sop


def user_with_role(username: str, role: str) -> User:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def an_agent(username: str = "ann") -> Agent:
    return make_agent(make_team(f"team of {username}", ["M1", "M2"]), username)


def eligible_case(agent: Agent | None, *, penalty: str = "60.00", bucket: str = "M1", dpd: int = 14) -> Case:
    """An M1 cash loan: installment 1 (due 2026-01-15, 2,020) paid, installment 2 (due 2026-02-15) owes ``penalty``."""
    case = make_case(agent, bucket=bucket, dpd=dpd, overdue=Decimal("220.00") + Decimal(penalty))
    Installment.objects.filter(loan=case.account, seq=1).update(principal_due=Decimal("2000.00"))
    Installment.objects.filter(loan=case.account, seq=2).update(penalty_due=Decimal(penalty))
    pay(case, "2020.00", dt.date(2026, 1, 14))
    return case


def terms(**overrides: object) -> Terms:
    values: dict[str, object] = {
        "installment_seqs": [2],
        "days_deferred": 30,
        "penalty_waiver": Decimal("0.5"),
        "hardship_reason": "job_loss",
    }
    values.update(overrides)
    return Terms(**values)  # type: ignore[arg-type]


def draft_with_script(case: Case, user: User, *, sop: ExtensionSop | None = None, **kwargs: object) -> ExtensionRequest:
    """A draft on ``case`` with every step of the script ticked."""
    sop = sop or shipped_sop()
    request = extension_create(case=case, sop=sop, actor=user, today=TODAY, **kwargs)  # type: ignore[arg-type]
    for step in sop.steps.all():
        request = extension_tick_step(request=request, step_code=step.code, actor=user)
    return request


def submitted(case: Case, user: User, **term_overrides: object) -> ExtensionRequest:
    return extension_submit(request=draft_with_script(case, user), terms=terms(**term_overrides), actor=user)
