"""The review screens: a lead scores a sampled call from the queue; the agent reads the score and the note."""

from __future__ import annotations

import pytest

from collections_app.models import DialAuthorization, QaAnswer, QaReview, Scorecard
from collections_app.services.integrations import integration_create
from collections_app.services.quality import qa_sample_build
from tests.collections_app.contact_fixtures import login
from tests.quality.quality_fixtures import WEEK, QaFloor, call, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(name="review")
def review_fixture(qa: QaFloor) -> QaReview:
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    dialer, _token = integration_create(name="acme")
    dialer.recording_url_template = "https://rec.example.com/{recording_ref}"
    dialer.save()
    attempt = call(qa.ann, qa.cases["ann"])
    attempt.recording_ref = "7781.wav"
    attempt.save()
    DialAuthorization.objects.create(integration=dialer, attempt=attempt, expires_at=attempt.placed_at)
    qa_sample_build(week=WEEK)
    return QaReview.objects.get()


def form(qa: QaFloor, **changes: str) -> dict[str, str]:
    data = {f"item-{code}": "met" for code in qa.scorecard.items.values_list("code", flat=True)}
    data.update(changes)
    return data


def test_a_lead_scores_a_call_from_the_queue_and_the_agent_reads_the_note(qa: QaFloor, review: QaReview) -> None:
    lead = login(qa.lead)
    queue = lead.get("/reviews/").content.decode()
    page = lead.get(f"/reviews/{review.pk}/").content.decode()

    saved = lead.post(f"/reviews/{review.pk}/", {**form(qa, **{"item-courtesy": "not_met"}), "coaching_note": "Smile."})
    mine = login(qa.ann.user).get("/reviews/").content.decode()
    own = login(qa.ann.user).get(f"/reviews/{review.pk}/").content.decode()

    assert f'data-review="{review.pk}"' in queue
    assert 'href="https://rec.example.com/7781.wav"' in page and 'name="coaching_note"' in page
    assert saved.status_code == 302 and saved.headers["Location"] == "/reviews/"
    assert "93.33" in mine and "Smile." in mine
    assert 'name="coaching_note"' not in own and "Smile." in own


def test_a_form_missing_an_item_is_shown_again_with_the_refusal_and_nothing_saved(qa: QaFloor, review: QaReview) -> None:
    data = form(qa)
    del data["item-courtesy"]

    response = login(qa.lead).post(f"/reviews/{review.pk}/", data)

    assert response.status_code == 400
    assert "Answer every item." in response.content.decode()
    assert not QaAnswer.objects.exists()


def test_a_reviewer_with_nothing_waiting_is_told_so_and_an_agent_sees_only_their_own_calls(qa: QaFloor) -> None:
    lead_page = login(qa.lead).get("/reviews/").content.decode()
    agent_page = login(qa.ann.user).get("/reviews/").content.decode()

    assert "No call waits for review." in lead_page and 'id="my-reviews"' not in lead_page
    assert 'id="review-queue"' not in agent_page and 'id="my-reviews"' in agent_page
