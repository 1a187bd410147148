"""Scoring a sampled call on its scorecard: weights, not-applicable items, critical items that fail the
review, and every refusal (nothing written)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from collections_app.models import QaAnswer, QaReview, Scorecard
from collections_app.services.quality import qa_review_score, qa_sample_build
from config.errors import DomainError
from tests.quality.quality_fixtures import WEEK, QaFloor, call, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(name="review")
def review_fixture(qa: QaFloor) -> QaReview:
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    call(qa.ann, qa.cases["ann"])
    qa_sample_build(week=WEEK)
    return QaReview.objects.get()


def answers(qa: QaFloor, **changes: str) -> dict[str, str]:
    return {**dict.fromkeys(qa.scorecard.items.values_list("code", flat=True), "met"), **changes}


def test_a_call_with_every_item_met_scores_100_and_passes(qa: QaFloor, review: QaReview) -> None:
    scored = qa_review_score(review=review, reviewer=qa.lead, answers=answers(qa), coaching_note=" Well done. ")

    assert (scored.status, scored.score, scored.passed, scored.critical_failed) == ("scored", Decimal("100.00"), True, False)
    assert scored.coaching_note == "Well done."
    assert QaAnswer.objects.filter(review=scored).count() == qa.scorecard.items.count()
    entry = AuditEntry.objects.get(action="qa.review_score")
    assert entry.after["score"] == "100.00" and entry.actor_id == qa.lead.pk


def test_the_score_is_the_weight_met_over_the_weight_answered(qa: QaFloor, review: QaReview) -> None:
    # given the shipped weights: 4 critical x 10, one 10, five 5 = 75; courtesy (5) and amount (10) not met,
    # the promise read-back (5) not applicable
    given = answers(qa, courtesy="not_met", amount_stated="not_met", terms_confirmed="na")

    scored = qa_review_score(review=review, reviewer=qa.supervisor, answers=given)

    # then (75 - 5 - 10 - 5) / (75 - 5) = 55 / 70, below the pass mark of 80
    assert scored.score == (Decimal(5500) / 70).quantize(Decimal("0.01"))
    assert scored.passed is False and scored.critical_failed is False


def test_a_critical_item_not_met_fails_the_review_with_score_0(qa: QaFloor, review: QaReview) -> None:
    scored = qa_review_score(review=review, reviewer=qa.lead, answers=answers(qa, disclosure="not_met"))

    assert (scored.score, scored.passed, scored.critical_failed) == (Decimal("0.00"), False, True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"courtesy": None}, "courtesy"),
        ({"courtesy": "maybe"}, "courtesy"),
        ({"identity_verified": "na"}, "identity_verified"),
        ({"no_such_item": "met"}, "answers"),
    ],
    ids=["an item unanswered", "an unknown result", "a critical item not applicable", "an unknown item"],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    qa: QaFloor, review: QaReview, changes: dict[str, str | None], field: str
) -> None:
    given = {code: result for code, result in answers(qa, **changes).items() if result is not None}  # type: ignore[arg-type]

    with pytest.raises(DomainError) as refused:
        qa_review_score(review=review, reviewer=qa.lead, answers=given)

    assert refused.value.code == "invalid" and field in refused.value.errors
    review.refresh_from_db()
    assert review.status == "pending" and not QaAnswer.objects.exists()
    assert not AuditEntry.objects.filter(action="qa.review_score").exists()


def test_every_item_not_applicable_is_refused(qa: QaFloor, review: QaReview) -> None:
    items = qa.scorecard.items.all()
    items.filter(critical=True).update(critical=False)

    with pytest.raises(DomainError) as refused:
        qa_review_score(review=review, reviewer=qa.lead, answers=dict.fromkeys(items.values_list("code", flat=True), "na"))

    assert "answers" in refused.value.errors


def test_a_long_coaching_note_is_refused(qa: QaFloor, review: QaReview) -> None:
    with pytest.raises(DomainError) as refused:
        qa_review_score(review=review, reviewer=qa.lead, answers=answers(qa), coaching_note="x" * 4001)

    assert "coaching_note" in refused.value.errors


def test_a_review_is_scored_once(qa: QaFloor, review: QaReview) -> None:
    qa_review_score(review=review, reviewer=qa.lead, answers=answers(qa))

    with pytest.raises(DomainError) as refused:
        qa_review_score(review=review, reviewer=qa.supervisor, answers=answers(qa, courtesy="not_met"))

    assert refused.value.code == "wrong_status"
    review.refresh_from_db()
    assert review.score == Decimal("100.00") and review.reviewer_id == qa.lead.pk


@pytest.mark.parametrize("who", ["ann", "bob", "other_lead", "analyst"])
def test_who_may_not_review_the_call_is_refused(qa: QaFloor, review: QaReview, who: str) -> None:
    # the agent of the call, a teammate, another team's lead, an analyst
    user = {"ann": qa.ann.user, "bob": qa.bob.user, "other_lead": qa.other_lead, "analyst": qa.analyst}[who]

    with pytest.raises(DomainError) as refused:
        qa_review_score(review=review, reviewer=user, answers=answers(qa))

    assert refused.value.code == "not_authorized"
    review.refresh_from_db()
    assert review.status == "pending"
