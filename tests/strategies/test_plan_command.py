"""``manage.py plan``: the plan for a date by hand (the benchmark times it), and a date it cannot read."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from collections_app.models import PlanAction, PlanRun
from tests.strategies.book import TODAY, account

pytestmark = pytest.mark.django_db


def test_the_command_runs_the_plan_for_a_date_and_again_records_nothing() -> None:
    account(due_in=3)
    out = StringIO()

    call_command("plan", "--today", TODAY.isoformat(), stdout=out)
    call_command("plan", "--today", TODAY.isoformat(), "--kind", "intraday", stdout=out)

    first, again = out.getvalue().strip().splitlines()
    assert first.startswith(f"Plan {TODAY}: 1 arms assigned, 1 actions recorded")
    assert again.startswith(f"Plan {TODAY}: 0 arms assigned, 0 actions recorded")
    assert PlanAction.objects.count() == 1
    assert list(PlanRun.objects.order_by("pk").values_list("kind", flat=True)) == ["nightly", "intraday"]


def test_a_date_it_cannot_read_is_refused_and_runs_nothing() -> None:
    with pytest.raises(CommandError, match="Not a date"):
        call_command("plan", "--today", "03/07/2026")
    assert not PlanRun.objects.exists()
