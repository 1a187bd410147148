"""Per-arm results with their sample sizes and 95% intervals, checked against the same figures computed
here from the raw rows; and promoting a challenger as a new version, audited."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import pytest

from accounts.models import AuditEntry, BucketTransition, LoanAccount
from accounts.services.cob import buckets_ensure_defaults
from collections_app.models import Arm, ArmAssignment, ChannelCost, ContactAttempt, Strategy
from collections_app.selectors.strategy_results import segment_results
from collections_app.services.strategy_versions import challenger_create, challenger_promote
from config.errors import DomainError
from tests.factories import UserFactory
from tests.strategies.book import NOW, TODAY, account, shipped
from tests.strategies.plan_book import payment

pytestmark = pytest.mark.django_db

T_975_29 = 2.045  # Student's t, 29 degrees of freedom, from the tables
ASSIGNED = NOW - dt.timedelta(days=20)


def sample(arm: Arm, n: int) -> list[LoanAccount]:
    loans = [account(due_in=-5, dpd=5, bucket="M1") for _ in range(n)]
    ArmAssignment.objects.bulk_create(
        ArmAssignment(account=loan, strategy=arm.segment.strategy, segment=arm.segment, arm=arm, assigned_at=ASSIGNED)
        for loan in loans
    )
    return loans


def transition(loan: LoanAccount, to: str, *, days_after: int = 5, start: str = "M1") -> None:
    BucketTransition.objects.create(
        date=ASSIGNED.date() + dt.timedelta(days=days_after), account=loan, from_bucket=start, to_bucket=to,
        balance=Decimal("0"), overdue_amount=Decimal("0"),
    )  # fmt: skip


def contact(loan: LoanAccount, channel: str, *, status: str = "completed") -> None:
    ContactAttempt.objects.create(
        account=loan, channel=channel, status=status, placed_at=ASSIGNED + dt.timedelta(days=1)
    )


def test_per_arm_results_and_intervals_match_a_computation_from_the_raw_rows() -> None:
    buckets_ensure_defaults()  # the roll rate reads the buckets' order
    segment = shipped().segments.get(code="m1")
    champion = segment.arms.get(kind=Arm.Kind.CHAMPION)
    arm = challenger_create(segment=segment, share=Decimal("20"), name="Early call", user=None)
    ChannelCost.objects.create(channel="sms", unit_cost=Decimal("0.05"))
    ChannelCost.objects.create(channel="call", unit_cost=Decimal("0.80"))
    ours, theirs = sample(champion, 30), sample(arm, 30)
    for loan in ours[:6]:
        transition(loan, "M0")
    transition(ours[6], "M0", days_after=-3)  # before it was assigned: not counted
    for loan in theirs[:12]:
        transition(loan, "M0")
    for loan in ours[10:13] + theirs[20:21]:
        transition(loan, "M2")
    paid = {}
    for i, loan in enumerate(ours + theirs):
        if i % 3 == 0:
            payment(loan, on=ASSIGNED.date() + dt.timedelta(days=2))
            paid[loan.pk] = Decimal("220.00")
    for loan in theirs:
        contact(loan, "call")
    for loan in ours[:10]:
        contact(loan, "sms")
        contact(loan, "sms", status="not_dialed")  # never went: not a contact

    results = {r.arm.code: r for r in segment_results(segment).arms}

    mine, challenger = results["champion"], results[arm.code]
    assert (mine.n, challenger.n) == (30, 30)
    for result, loans, cured in ((mine, ours, 6), (challenger, theirs, 12)):
        p = cured / 30
        half = 1.96 * math.sqrt(p * (1 - p) / 30)
        got = result.rates["cure"]
        assert got.value == pytest.approx(p) and got.low == pytest.approx(p - half, abs=1e-4)
        assert got.high == pytest.approx(p + half, abs=1e-4)
        amounts = [float(paid.get(loan.pk, 0)) for loan in loans]
        spread = T_975_29 * statistics.stdev(amounts) / math.sqrt(30)
        usd = result.collected["USD"]
        assert usd.value == pytest.approx(statistics.mean(amounts))
        assert (usd.low, usd.high) == (
            pytest.approx(statistics.mean(amounts) - spread, abs=0.05),
            pytest.approx(statistics.mean(amounts) + spread, abs=0.05),
        )
    assert mine.rates["roll"].value == pytest.approx(3 / 30) and challenger.rates["roll"].value == pytest.approx(1 / 30)
    assert mine.means["contacts"].value == pytest.approx(10 / 30) and challenger.means["contacts"].value == 1
    assert mine.means["cost"].value == pytest.approx(0.5 / 30) and challenger.means["cost"].value == pytest.approx(0.8)
    # The challenger cures 40% against 20%: the two-proportion z-test and its interval.
    diff = challenger.versus["cure"]
    se = math.sqrt(0.4 * 0.6 / 30 + 0.2 * 0.8 / 30)
    pooled = 18 / 60
    assert diff.value == pytest.approx(0.2)
    assert (diff.low, diff.high) == (pytest.approx(0.2 - 1.96 * se, abs=1e-3), pytest.approx(0.2 + 1.96 * se, abs=1e-3))
    assert diff.statistic == pytest.approx(0.2 / math.sqrt(pooled * (1 - pooled) * (2 / 30)))
    assert diff.significant is False  # the interval holds 0 at 30 accounts an arm


def test_an_arm_without_accounts_has_no_figures_rather_than_zeros() -> None:
    segment = shipped().segments.get(code="pre-due")

    (champion,) = segment_results(segment).arms

    assert champion.n == 0 and champion.rates["entry"].value is None and champion.as_dict()["accounts"] == 0


def test_a_challenger_takes_its_share_from_the_champion_and_the_refusals_change_nothing() -> None:
    segment = shipped().segments.get(code="m1")
    supervisor = UserFactory(username="sue")

    arm = challenger_create(segment=segment, share=Decimal("20"), name="Early call", user=supervisor)

    assert dict(segment.arms.values_list("code", "share")) == {"champion": Decimal("80"), "early-call": Decimal("20")}
    assert list(arm.actions.values_list("day_offset", "kind")) == [(1, "send"), (2, "dialer")]
    assert AuditEntry.objects.filter(action="arm.create", actor=supervisor).count() == 1
    for share, name in ((Decimal("90"), "Too big"), (Decimal("0"), "Nothing"), (Decimal("10"), "Early call")):
        with pytest.raises(DomainError):
            challenger_create(segment=segment, share=share, name=name, user=supervisor)
    assert dict(segment.arms.values_list("code", "share")) == {"champion": Decimal("80"), "early-call": Decimal("20")}


def test_promoting_a_challenger_makes_a_new_audited_version_with_its_plan_as_the_champion() -> None:
    old = shipped()
    segment = old.segments.get(code="m1")
    arm = challenger_create(segment=segment, share=Decimal("20"), name="Early call", user=None)
    arm.actions.filter(kind="dialer").update(day_offset=1, priority=70)
    supervisor = UserFactory(username="sue")

    new = challenger_promote(arm=arm, user=supervisor, effective_from=TODAY)

    old.refresh_from_db()
    assert (old.active, new.active, new.version, new.code) == (False, True, 2, "standard")
    assert Strategy.objects.get(code="standard", active=True) == new
    m1 = new.segments.get(code="m1")
    assert [(a.code, a.kind, a.share) for a in m1.arms.all()] == [("champion", "champion", Decimal("100.00"))]
    assert sorted(m1.actions.values_list("day_offset", "kind", "priority")) == [(1, "dialer", 70), (1, "send", None)]
    pre_due = new.segments.get(code="pre-due")
    assert pre_due.actions.count() == 3 and pre_due.arms.get().share == Decimal("100")
    entry = AuditEntry.objects.get(action="strategy.promote")
    assert (entry.actor, entry.before["version"], entry.after["version"]) == (supervisor, 1, 2)
    with pytest.raises(DomainError):
        challenger_promote(arm=arm, user=supervisor)  # its version is no longer active
    with pytest.raises(DomainError):
        challenger_promote(arm=m1.arms.get(), user=supervisor)  # a champion
    assert Strategy.objects.filter(code="standard").count() == 2
