"""The daily plan of the treatment strategies (DESIGN.md 16): each account's actions for a date.

``plan_run`` runs after the close of business (the nightly chain) and again during the day (the
intraday refresh), for every active strategy, set-based over the whole book, pre-due accounts
included. For a plan date (the borrowers' today):

1. the arm of every account newly in a segment is recorded, once (``arm_assignments_record``);
2. each member's day is worked out: its DPD when past due, else minus the days to its next due date
   (-3: three days before it);
3. one INSERT ... SELECT records the day's actions: the plan steps of the account's arm whose day it
   is (or that repeat every day after), unless one of the step's stop conditions holds (``STOPS``),
   each with the strategy, its version, the segment and the arm. One row per (date, account, step):
   a second run for the date records nothing new;
4. planned actions of the date that a stop condition now holds for are stopped, and those of past
   dates still planned lapse;
5. dialer and agent steps raise their open cases' priority to the step's (never lower it), so the
   dialer's call list and the agents' queues put them first; those rows are the day's dialer list.

Messages are not sent here: each planned send is handed to the messaging service within the
borrower's window (``plan_sending``), where the compliance engine decides it.

Stop conditions: **paid**, a posted payment value-dated in the last ``PAID_DAYS`` days; **promise
open**, an open promise to pay on the account; **complaint**, an open complaint about it;
**cease**, the borrower asked that all communication stop.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from accounts.models import Payment
from collections_app.models import (
    Action,
    ArmAssignment,
    Case,
    Complaint,
    PlanAction,
    PlanRun,
    PromiseToPay,
    Segment,
    Strategy,
)
from collections_app.selectors.strategies import segment_members, strategy_segments
from collections_app.services.strategies import arm_assignments_record
from scheduling.models import ContactPreference

PAID_DAYS = 3
# (the member's flag, the step's field that makes it a stop, the reason recorded)
STOPS = (
    ("paid", "stop_if_paid", "paid"),
    ("promise_open", "stop_if_promise_open", "promise_open"),
    ("complaint_open", "stop_if_complaint", "complaint"),
    ("ceased", "stop_if_cease", "cease"),
)
CASE_STEPS = (Action.Kind.DIALER, Action.Kind.AGENT)


@dataclass
class PlanResult:
    date: dt.date
    runs: list[PlanRun] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(run.created for run in self.runs)

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "assigned": sum(run.assigned for run in self.runs),
            "created": self.created,
            "stopped": sum(run.stopped for run in self.runs),
            "prioritized": sum(run.prioritized for run in self.runs),
        }


def stop_flags(today: dt.date, account: str = "pk", borrower: str = "borrower_id") -> dict[str, Exists]:
    """The stop conditions of the accounts in the column ``account`` on ``today``, as Exists."""
    return {
        "paid": Exists(
            Payment.objects.filter(
                loan=OuterRef(account),
                status=Payment.Status.POSTED,
                value_date__gt=today - dt.timedelta(days=PAID_DAYS + 1),
                value_date__lte=today,
            )
        ),
        "promise_open": Exists(
            PromiseToPay.objects.filter(case__account=OuterRef(account), status=PromiseToPay.Status.OPEN)
        ),
        "complaint_open": Exists(
            Complaint.objects.filter(account=OuterRef(account), status__in=Complaint.OPEN_STATUSES)
        ),
        "ceased": Exists(ContactPreference.objects.filter(borrower=OuterRef(borrower), cease_communication=True)),
    }


def _day(today: dt.date, actions: list[Action], pre_due: bool) -> SqlCase:
    """The member's day of its plan: DPD when past due, minus the days to the next due date before it."""
    whens = [When(dpd__gt=0, then=F("dpd"))]
    if pre_due:
        furthest = max([-action.day_offset for action in actions if action.day_offset <= 0] + [0])
        whens += [When(next_due=today + dt.timedelta(days=k), then=Value(-k)) for k in range(furthest + 1)]
    return SqlCase(*whens, default=None, output_field=IntegerField())


def plan_members(strategy: Strategy, today: dt.date, segments: list[Segment]) -> QuerySet[Any, Any]:
    """The strategy's members on ``today`` with their segment, arm, day (null: no step can be due), open case
    and stop flags."""
    actions = list(Action.objects.filter(segment__strategy=strategy))
    arm = ArmAssignment.objects.filter(account=OuterRef("pk"), segment_id=OuterRef("segment_id")).values("arm_id")[:1]
    open_case = Case.objects.filter(account=OuterRef("pk"), status=Case.Status.OPEN).values("pk")[:1]
    pre_due = any(segment.pre_due for segment in segments)
    return (
        segment_members(strategy, today, segments)
        .annotate(
            arm_id=Subquery(arm),
            day=_day(today, actions, pre_due),
            case_id=Subquery(open_case),
            **stop_flags(today),
        )
        .values("id", "segment_id", "arm_id", "day", "case_id", "paid", "promise_open", "complaint_open", "ceased")
        .order_by()
    )


def _record(strategy: Strategy, today: dt.date, now: dt.datetime, segments: list[Segment]) -> int:
    """Record the day's actions of the strategy's members in one INSERT ... SELECT; return how many are new."""
    members_sql, members_params = plan_members(strategy, today, segments).query.sql_with_params()
    ops = connection.ops
    stops = " ".join(f"AND NOT (a.{flag_field} AND m.{flag})" for flag, flag_field, _ in STOPS)
    sql = f"""
        INSERT INTO {PlanAction._meta.db_table}
            (date, account_id, case_id, strategy_id, strategy_version, segment_id, arm_id, action_id, kind,
             day_offset, channel, template_code, priority, status, reason, not_before, created_at)
        SELECT %s, m.id, m.case_id, %s, %s, m.segment_id, m.arm_id, a.id, a.kind,
               m.day, a.channel, a.template_code, a.priority, %s, '',
               CASE WHEN a.kind = %s THEN %s END, %s
        FROM ({members_sql}) m
        JOIN {Action._meta.db_table} a ON a.arm_id = m.arm_id
        WHERE (a.day_offset = m.day OR (a.every_day_after AND m.day > a.day_offset))
          AND (a.kind NOT IN (%s, %s) OR m.case_id IS NOT NULL)
          {stops}
        ON CONFLICT (date, account_id, action_id) DO NOTHING"""  # noqa: S608 (table names from the models)
    at = ops.adapt_datetimefield_value(now)
    params = [
        ops.adapt_datefield_value(today), strategy.pk, strategy.version, PlanAction.Status.PLANNED,
        Action.Kind.SEND, at, at, *members_params, *CASE_STEPS,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _stop(strategy: Strategy, today: dt.date) -> int:
    """Stop the date's actions not yet carried out (or on the dialer list) that a stop condition now holds for."""
    flags = stop_flags(today, account="account_id", borrower="account__borrower_id")
    pending = PlanAction.objects.filter(strategy=strategy, date=today).filter(
        Q(status=PlanAction.Status.PLANNED) | Q(status=PlanAction.Status.DONE, kind__in=CASE_STEPS)
    )
    stopped = 0
    for flag, flag_field, reason in STOPS:
        stopped += (
            pending.filter(**{f"action__{flag_field}": True})
            .filter(flags[flag])
            .update(status=PlanAction.Status.STOPPED, reason=reason)
        )
    return stopped


def _prioritize(strategy: Strategy, today: dt.date) -> int:
    """Raise the open cases of the date's dialer and agent steps to the step's priority; mark those steps done."""
    steps = PlanAction.objects.filter(
        strategy=strategy, date=today, kind__in=CASE_STEPS, status=PlanAction.Status.PLANNED
    )
    raised = 0
    for priority in set(steps.exclude(priority=None).values_list("priority", flat=True).order_by()):
        cases = steps.filter(priority=priority, case_id__isnull=False).values("case_id")
        raised += Case.objects.filter(pk__in=cases, status=Case.Status.OPEN, priority__lt=priority).update(
            priority=priority
        )
    steps.update(status=PlanAction.Status.DONE)
    PlanAction.objects.filter(strategy=strategy, date=today, kind=Action.Kind.HOLD, status=PlanAction.Status.PLANNED).update(
        status=PlanAction.Status.DONE
    )
    return raised


def plan_run(
    *, today: dt.date, now: dt.datetime | None = None, kind: str = PlanRun.Kind.NIGHTLY, user: User | None = None
) -> PlanResult:
    """The plan of every active strategy for ``today`` (the borrowers' date); see the module's docstring.

    Each strategy in one transaction. Safe to run twice and as often as wanted during the day.
    """
    now = now or timezone.now()
    result = PlanResult(date=today)
    for strategy in Strategy.objects.filter(active=True).order_by("code"):
        result.runs.append(_plan_strategy(strategy, today=today, now=now, kind=kind, user=user))
    return result


@transaction.atomic
def _plan_strategy(strategy: Strategy, *, today: dt.date, now: dt.datetime, kind: str, user: User | None) -> PlanRun:
    started = time.monotonic()
    if connection.vendor == "postgresql":
        # The plan's few big statements are estimated costly enough for PostgreSQL's JIT, whose compiling
        # took longer than running them (2.8 s of 3.3 s on a 20,000-account book).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    run = PlanRun(date=today, kind=kind, strategy=strategy, started_at=now, started_by=user)
    segments = strategy_segments(strategy)
    run.assigned = arm_assignments_record(strategy=strategy, today=today, now=now)
    run.created = _record(strategy, today, now, segments)
    run.stopped = _stop(strategy, today)
    PlanAction.objects.filter(strategy=strategy, date__lt=today, status=PlanAction.Status.PLANNED).update(
        status=PlanAction.Status.LAPSED, reason="day_ended"
    )
    run.prioritized = _prioritize(strategy, today)
    run.seconds = time.monotonic() - started
    run.finished_at = timezone.now()
    run.save()
    return run
