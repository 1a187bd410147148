"""Who sees which reviews: an agent only their own, a lead only the team's, a supervisor all; the queue."""

from __future__ import annotations

import pytest

from collections_app.models import QaReview, Scorecard
from collections_app.selectors.quality import review_queue, reviews_visible_to
from collections_app.services.quality import qa_review_score, qa_sample_build
from tests.quality.quality_fixtures import WEEK, QaFloor, call, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(name="reviews")
def reviews_fixture(qa: QaFloor) -> dict[str, QaReview]:
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    for agent in (qa.ann, qa.bob, qa.carl):
        call(agent, qa.cases[agent.user.username])
    qa_sample_build(week=WEEK)
    return {review.agent.username: review for review in QaReview.objects.select_related("agent")}


def seen(user: object) -> set[str]:
    return set(reviews_visible_to(user).values_list("agent__username", flat=True))  # type: ignore[arg-type]


def test_an_agent_sees_only_the_reviews_of_their_own_calls(qa: QaFloor, reviews: dict[str, QaReview]) -> None:
    assert seen(qa.ann.user) == {"ann"}
    assert seen(qa.carl.user) == {"carl"}


def test_a_lead_sees_only_the_teams_reviews_and_a_supervisor_all(qa: QaFloor, reviews: dict[str, QaReview]) -> None:
    assert seen(qa.lead) == {"ann", "bob"}
    assert seen(qa.other_lead) == {"carl"}
    assert seen(qa.supervisor) == {"ann", "bob", "carl"}
    assert seen(qa.analyst) == set()


def test_the_queue_holds_the_pending_reviews_the_user_may_score(qa: QaFloor, reviews: dict[str, QaReview]) -> None:
    codes = qa.scorecard.items.values_list("code", flat=True)
    qa_review_score(review=reviews["bob"], reviewer=qa.lead, answers=dict.fromkeys(codes, "met"))

    assert [r.agent.username for r in review_queue(qa.lead)] == ["ann"]
    assert sorted(r.agent.username for r in review_queue(qa.supervisor)) == ["ann", "carl"]
    assert list(review_queue(qa.ann.user)) == []
