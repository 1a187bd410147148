"""The arm of an account: a stable hash of (segment, account) against the shares, recorded once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from collections_app.models import Arm, ArmAssignment, Segment
from collections_app.selectors.strategies import MODULUS, SLOTS, arm_for_slot, arm_slot, arm_slot_expression
from collections_app.services.strategies import arm_assignments_record
from config.errors import DomainError
from tests.strategies.book import NOW, TODAY, account, shipped

KEYS = range(1, 100_001)


def shares(*percents: int) -> list[Arm]:
    """Unsaved arms with these shares and ids 1, 2, ... (enough for the draw's arithmetic)."""
    return [Arm(pk=n + 1, code=f"arm{n}", share=Decimal(percent)) for n, percent in enumerate(percents)]


@pytest.mark.parametrize("percents", [(80, 20), (50, 30, 20), (90, 10), (99, 1)])
def test_over_100000_accounts_each_arm_gets_its_share_within_one_point(percents: tuple[int, ...]) -> None:
    arms = shares(*percents)

    drawn = Counter(arm_for_slot(arms, arm_slot(42, key)).pk for key in KEYS)

    got = {arm.pk: drawn[arm.pk] / len(KEYS) * 100 for arm in arms}
    assert all(abs(got[arm.pk] - float(arm.share)) < 1 for arm in arms), got


def test_the_draws_of_two_segments_are_independent_of_each_other() -> None:
    # A 20% challenger in two segments: the accounts in both are 4% of the book (not 20%, not 0%).
    both = sum(arm_slot(7, key) < 2000 and arm_slot(8, key) < 2000 for key in KEYS)

    assert abs(both / len(KEYS) * 100 - 4) < 0.5, both


def test_large_ids_stay_in_range() -> None:
    slots = {arm_slot(segment, key) for segment in (1, MODULUS - 1, 2**40) for key in (0, MODULUS, 2**45 + 3)}

    assert all(0 <= slot < SLOTS for slot in slots)


@pytest.mark.django_db
def test_the_database_draws_the_same_slot_as_the_python_definition() -> None:
    accounts = [account(due_in=3) for _ in range(30)]
    segment = shipped().segments.get(code="pre-due")

    in_sql = dict(
        type(accounts[0]).objects.annotate(slot=arm_slot_expression(segment.pk)).values_list("pk", "slot")
    )

    assert in_sql == {loan.pk: arm_slot(segment.pk, loan.pk) for loan in accounts}


def challenger(segment: Segment, share: str) -> Arm:
    segment.arms.filter(kind=Arm.Kind.CHAMPION).update(share=Decimal("100") - Decimal(share))
    return Arm.objects.create(segment=segment, code="challenger", kind=Arm.Kind.CHALLENGER, name="Two SMS",
                              share=Decimal(share))  # fmt: skip


@pytest.mark.django_db
def test_arms_are_recorded_once_and_a_change_of_shares_moves_nobody_already_assigned() -> None:
    strategy = shipped()
    segment = strategy.segments.get(code="pre-due")
    second = challenger(segment, "50")
    first_book = [account(due_in=due_in % 4) for due_in in range(40)]
    account(due_in=-3, dpd=3, bucket="M1")
    account(due_in=20)  # in no segment

    recorded = arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)
    before = dict(ArmAssignment.objects.values_list("account_id", "arm_id"))
    again = arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)
    # The challenger goes down to 10%; then new accounts come into the segment.
    second.share = Decimal("10")
    second.save()
    segment.arms.filter(kind=Arm.Kind.CHAMPION).update(share=Decimal("90"))
    newcomers = [account(due_in=1) for _ in range(20)]
    later = arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)
    after = dict(ArmAssignment.objects.values_list("account_id", "arm_id"))

    assert (recorded, again, later) == (41, 0, 20)
    assert {before[loan.pk] for loan in first_book} == {arm.pk for arm in segment.arms.all()}
    assert {pk: after[pk] for pk in before} == before
    arms = sorted(segment.arms.all(), key=lambda arm: (arm.kind != Arm.Kind.CHAMPION, arm.pk))
    shares_then = [Arm(pk=arms[0].pk, share=Decimal("50")), Arm(pk=second.pk, share=Decimal("50"))]
    assert {loan.pk: before[loan.pk] for loan in first_book} == {
        loan.pk: arm_for_slot(shares_then, arm_slot(segment.pk, loan.pk)).pk
        for loan in first_book
    }
    assert {loan.pk: after[loan.pk] for loan in newcomers} == {
        loan.pk: arm_for_slot(arms, arm_slot(segment.pk, loan.pk)).pk for loan in newcomers
    }
    assert set(ArmAssignment.objects.values_list("strategy_id", flat=True)) == {strategy.pk}


@pytest.mark.django_db
def test_an_account_moving_to_another_segment_gets_an_arm_there_too_and_keeps_the_first() -> None:
    strategy = shipped()
    loan = account(due_in=3)
    arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)
    loan.dpd, loan.bucket = 4, "M1"
    loan.save()

    arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)

    assert sorted(ArmAssignment.objects.filter(account=loan).values_list("segment__code", flat=True)) == ["m1", "pre-due"]


@pytest.mark.django_db
def test_it_refuses_a_segment_whose_shares_do_not_add_up_to_100_and_records_nothing() -> None:
    strategy = shipped()
    segment = strategy.segments.get(code="m1")
    Arm.objects.create(segment=segment, code="extra", kind=Arm.Kind.CHALLENGER, name="Extra", share=Decimal("20"))
    account(due_in=3)

    with pytest.raises(DomainError) as refused:
        arm_assignments_record(strategy=strategy, today=TODAY, now=NOW)

    assert "arms" in refused.value.errors
    assert not ArmAssignment.objects.exists()
