"""The nightly close in a real Celery worker runs COB, assignment, then the strategies' plan, in that order."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from accounts.models import CobRun
from collections_app.models import AssignmentRecord, Case, PlanAction, PlanRun
from collections_app.tasks import nightly_close_task
from tests.factories import loan_with_schedule, make_agent, make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_nightly_close_runs_cob_assignment_then_the_plan_in_a_worker(celery_worker_process: str) -> None:
    # The shipped strategy again, if a transactional test's flush removed it (data migration 0026).
    importlib.import_module("collections_app.migrations.0026_strategy_preset").ensure_defaults(apps, None)
    agent = make_agent(make_team("Early", ["M1"]), "ann")
    late = loan_with_schedule(first_due=dt.date(2026, 2, 18), external_id="LATE")  # DPD 2 at the close of the 20th
    current = loan_with_schedule(first_due=dt.date(2026, 2, 24), external_id="CURRENT")  # D-3 on the 21st

    answer = nightly_close_task.apply_async(args=["2026-02-20"], queue=celery_worker_process).get(timeout=120)

    cob = CobRun.objects.get(date=dt.date(2026, 2, 20))
    case = Case.objects.get(account=late)  # opened by COB
    assigned = AssignmentRecord.objects.get(case=case)  # by assignment, to the team's agent
    run = PlanRun.objects.get()
    assert cob.worker.startswith(celery_worker_process + "@")
    assert cob.finished_at <= assigned.at <= run.started_at
    assert (run.date, run.kind) == (dt.date(2026, 2, 21), "nightly")
    assert case.agent == agent
    steps = {(s.account_id, s.kind, s.day_offset, s.case_id) for s in PlanAction.objects.all()}
    assert steps == {(late.pk, "dialer", 2, case.pk), (current.pk, "send", -3, None)}
    assert case.priority == 50 and answer["planned"] == 2
