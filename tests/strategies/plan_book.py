"""Helpers of the daily plan's tests: cases, promises, payments and the plan's rows as plain tuples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import LoanAccount, Payment
from collections_app.models import Arm, Case, PlanAction, PromiseToPay, Segment
from tests.strategies.book import TODAY


def open_case(loan: LoanAccount) -> Case:
    return Case.objects.create(account=loan, bucket=loan.bucket, dpd=loan.dpd, opened_on=TODAY - dt.timedelta(days=loan.dpd))


def promise(case: Case) -> PromiseToPay:
    return PromiseToPay.objects.create(
        case=case, account=case.account, made_on=TODAY, amount=Decimal("50.00"), first_date=TODAY + dt.timedelta(days=2),
        final_date=TODAY + dt.timedelta(days=2), deadline=TODAY + dt.timedelta(days=4), grace_days=2,
        kept_threshold=Decimal("1"),
    )  # fmt: skip


def payment(loan: LoanAccount, *, on: dt.date) -> Payment:
    return Payment.objects.create(
        external_id=f"P-{loan.external_id}", loan=loan, amount=Decimal("220.00"),
        received_at=dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC), value_date=on, channel=Payment.Channel.BORROWER,
    )  # fmt: skip


def planned(date: dt.date = TODAY) -> set[tuple[str, str, int, str]]:
    """The plan of ``date``: (external id, step kind, day, template or priority)."""
    return {
        (external_id, kind, day, template or str(priority))
        for external_id, kind, day, template, priority in PlanAction.objects.filter(date=date).values_list(
            "account__external_id", "kind", "day_offset", "template_code", "priority"
        )
    }


def challenger(segment: Segment, share: str) -> Arm:
    """A challenger at ``share`` percent of the segment, with the champion's plan without its first step."""
    champion = segment.arms.get(kind=Arm.Kind.CHAMPION)
    segment.arms.filter(pk=champion.pk).update(share=Decimal("100") - Decimal(share))
    arm = Arm.objects.create(segment=segment, code="challenger", kind=Arm.Kind.CHALLENGER, name="Challenger", share=Decimal(share))
    for step in champion.actions.order_by("day_offset")[1:]:
        step.pk, step.arm = None, arm
        step.save()
    return arm
