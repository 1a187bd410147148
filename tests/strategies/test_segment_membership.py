"""Who is in which segment of a strategy today: one query over the book, pre-due accounts included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import LoanAccount
from collections_app.models import Segment, Strategy
from collections_app.selectors.strategies import segment_members, strategy_segments
from tests.strategies.book import TODAY, account, shipped

pytestmark = pytest.mark.django_db


def members(strategy: Strategy) -> dict[str, str]:
    codes = dict(Segment.objects.filter(strategy=strategy).values_list("pk", "code"))
    return {external_id: codes[segment] for external_id, segment in
            segment_members(strategy, TODAY).values_list("external_id", "segment_id")}  # fmt: skip


def test_the_shipped_strategy_places_pre_due_and_m1_accounts_and_leaves_the_rest_out() -> None:
    due_in_3 = account(due_in=3, external_id="D-3")
    due_today = account(due_in=0, external_id="D0")
    account(due_in=5, external_id="D-5")
    account(due_in=3, external_id="PAID", status=LoanAccount.Status.PAID_OFF)
    paid_early = account(due_in=3, external_id="PAID-EARLY")
    paid_early.installments.filter(seq=1).update(settled_on=TODAY - dt.timedelta(days=1))
    account(due_in=-5, dpd=5, bucket="M1", external_id="M1")
    account(due_in=-40, dpd=40, bucket="M2", external_id="M2")

    got = members(shipped())

    assert got == {"D-3": "pre-due", "D0": "pre-due", "M1": "m1"}
    assert {due_in_3.external_id, due_today.external_id} <= set(got)


def test_membership_is_one_query_over_the_book(django_assert_num_queries: Any) -> None:
    for due_in in range(4):
        account(due_in=due_in)
    account(due_in=-3, dpd=3, bucket="M1")
    strategy = shipped()
    segments = strategy_segments(strategy)

    with django_assert_num_queries(1):
        placed = list(segment_members(strategy, TODAY, segments).values_list("pk", "segment_id"))

    assert len(placed) == 5


def test_segments_by_product_balance_language_and_country_and_the_first_match_wins() -> None:
    strategy = Strategy.objects.create(code="zh", name="Chinese book", effective_from=TODAY)
    Segment.objects.create(
        strategy=strategy, position=10, code="small-cn", name="Small CN", country="CN", language="zh-hans",
        balance_max=Decimal("1000.00"), product="cash", dpd_min=1, dpd_max=30,
    )  # fmt: skip
    Segment.objects.create(strategy=strategy, position=20, code="any-late", name="Any late", dpd_min=1)
    account(due_in=-3, dpd=3, bucket="M1", country="CN", language="zh-hans", balance="999.99", external_id="SMALL")
    account(due_in=-3, dpd=3, bucket="M1", country="CN", language="zh-hans", balance="1000.00", external_id="BIG")
    account(due_in=-3, dpd=3, bucket="M1", country="US", language="zh-hans", balance="500.00", external_id="US")
    account(due_in=-3, dpd=3, bucket="M1", country="CN", language="zh-hans", balance="500.00", product="card",
            external_id="CARD")  # fmt: skip
    account(due_in=-40, dpd=40, bucket="M2", country="CN", language="zh-hans", balance="500.00", external_id="M2")
    account(due_in=3, country="CN", language="zh-hans", balance="500.00", external_id="CURRENT")

    assert members(strategy) == {
        "SMALL": "small-cn", "BIG": "any-late", "US": "any-late", "CARD": "any-late", "M2": "any-late",
    }  # fmt: skip


def test_a_strategy_without_segments_has_no_members() -> None:
    account(due_in=3)

    assert not segment_members(Strategy.objects.create(code="empty", name="Empty", effective_from=TODAY), TODAY)
