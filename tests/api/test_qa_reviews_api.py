"""The call review API: what each user sees, the reviewers' queue, scoring with the error body, the links."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collections_app.models import DialAuthorization, QaAnswer, QaReview, Scorecard
from collections_app.services.integrations import integration_create
from collections_app.services.quality import qa_sample_build
from tests.collections_app.contact_fixtures import login
from tests.quality.quality_fixtures import WEEK, QaFloor, call, calls, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(name="sampled")
def sampled_fixture(qa: QaFloor) -> dict[str, QaReview]:
    """Every call of the week sampled: one call each of Ann, Bob and Carl, Ann's with a dialer's recording."""
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    dialer, _token = integration_create(name="acme")
    dialer.recording_url_template = "https://rec.example.com/{recording_ref}"
    dialer.save()
    for agent in (qa.ann, qa.bob, qa.carl):
        attempt = call(agent, qa.cases[agent.user.username])
        if agent == qa.ann:
            attempt.recording_ref = "7781.wav"
            attempt.save()
            DialAuthorization.objects.create(integration=dialer, attempt=attempt, expires_at=attempt.placed_at)
    qa_sample_build(week=WEEK)
    return {review.agent.username: review for review in QaReview.objects.select_related("agent")}


def all_met(qa: QaFloor) -> dict[str, str]:
    return dict.fromkeys(qa.scorecard.items.values_list("code", flat=True), "met")


def score(client, review: QaReview, body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/qa/reviews/{review.pk}/score/", json.dumps(body), content_type="application/json")


def test_an_agent_lists_only_the_reviews_of_their_own_calls_with_the_recording_link(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    response = login(qa.ann.user).get("/api/v1/qa/reviews/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["agent"] for r in results] == ["ann"]
    assert results[0]["recording_url"] == "https://rec.example.com/7781.wav"
    assert results[0]["reason"] == "random" and results[0]["status"] == "pending"


def test_a_lead_lists_the_teams_reviews_and_reads_another_teams_as_404(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    client = login(qa.lead)

    listed = client.get("/api/v1/qa/reviews/").json()["results"]
    other = client.get(f"/api/v1/qa/reviews/{sampled['carl'].pk}/")

    assert sorted(r["agent"] for r in listed) == ["ann", "bob"]
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_scoring_through_the_api_returns_the_review_and_the_agent_reads_the_coaching_note(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    answers = {**all_met(qa), "courtesy": "not_met"}

    response = score(login(qa.lead), sampled["ann"], {"answers": answers, "coaching_note": "Warmer greeting."})
    seen = login(qa.ann.user).get(f"/api/v1/qa/reviews/{sampled['ann'].pk}/").json()

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["score"], body["passed"], body["reviewer"]) == ("scored", "93.33", True, "lee")
    assert seen["coaching_note"] == "Warmer greeting." and len(seen["answers"]) == len(answers)
    assert {a["item"]: a["result"] for a in seen["answers"]}["courtesy"] == "not_met"


def test_bad_answers_get_the_error_body_and_nothing_is_written(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    answers = all_met(qa)
    del answers["courtesy"]

    response = score(login(qa.supervisor), sampled["bob"], {"answers": answers})
    malformed = score(login(qa.supervisor), sampled["bob"], {"answers": []})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "courtesy" in response.json()["errors"]
    assert malformed.status_code == 400 and "answers" in malformed.json()["errors"]
    assert not QaAnswer.objects.exists()
    assert QaReview.objects.get(pk=sampled["bob"].pk).status == "pending"


def test_a_second_score_is_409_and_the_agents_own_call_is_403(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    assert score(login(qa.lead), sampled["bob"], {"answers": all_met(qa)}).status_code == 200

    again = score(login(qa.supervisor), sampled["bob"], {"answers": all_met(qa)})
    own = score(login(qa.ann.user), sampled["ann"], {"answers": all_met(qa)})

    assert again.status_code == 409 and again.json()["code"] == "wrong_status"
    assert own.status_code == 403 and own.json()["code"] == "not_authorized"


def test_the_queue_puts_complaint_calls_first_and_a_bad_week_is_400(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    QaReview.objects.filter(pk=sampled["bob"].pk).update(reason="complaint")

    queue = login(qa.lead).get("/api/v1/qa/queue/").json()
    bad = login(qa.lead).get("/api/v1/qa/reviews/?week=monday")

    assert [r["agent"] for r in queue] == ["bob", "ann"]
    assert bad.status_code == 400 and "message" in bad.json()


def test_the_list_reads_in_a_fixed_number_of_queries(qa: QaFloor, sampled: dict[str, QaReview]) -> None:
    client = login(qa.supervisor)
    client.get("/api/v1/qa/reviews/")  # the session and the roles, once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/qa/reviews/")
    calls(qa.bob, qa.cases["bob"], 6)
    QaReview.objects.all().delete()
    qa_sample_build(week=WEEK)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/v1/qa/reviews/").json()["results"]) == 9
    assert len(more) == len(few) <= 8
