"""The weekly sample per agent: a share at random, the same calls every run of that week, plus every call
behind a complaint or a compliance exception."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.management import call_command

from collections_app.models import ContactAttempt, QaReview, Scorecard
from collections_app.services.complaints import complaint_register
from collections_app.services.quality import qa_sample_build, random_draw
from collections_app.tasks import qa_sample_task
from config.errors import DomainError
from tests.collections_app.complaint_fixtures import category
from tests.quality.quality_fixtures import TUESDAY, WEEK, QaFloor, call, calls, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def sampled(reason: str | None = None) -> dict[int, str]:
    reviews = QaReview.objects.all() if reason is None else QaReview.objects.filter(reason=reason)
    return dict(reviews.values_list("attempt_id", "reason"))


def test_each_agent_gets_the_share_of_their_answered_calls_rounded_up(qa: QaFloor) -> None:
    # given 10% of calls drawn, Ann with 41 answered calls, Bob with 9 and an unanswered call each
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=10)
    ann = calls(qa.ann, qa.cases["ann"], 41)
    bob = calls(qa.bob, qa.cases["bob"], 9)
    call(qa.ann, qa.cases["ann"], talk_seconds=0)

    # when the week's sample is built
    built = qa_sample_build(week=WEEK + dt.timedelta(days=3))

    # then five of Ann's calls and one of Bob's are in the queue, all drawn at random, none unanswered
    reviews = QaReview.objects.all()
    assert built.week == WEEK
    assert built.added == {"complaint": 0, "compliance": 0, "random": math.ceil(4.1) + math.ceil(0.9)}
    assert reviews.filter(attempt__in=ann).count() == 5
    assert reviews.filter(attempt__in=bob).count() == 1
    assert set(reviews.values_list("week", "reason", "status")) == {(WEEK, "random", "pending")}
    assert set(reviews.values_list("team_id", flat=True)) == {qa.ann.team_id}


def test_the_sample_is_the_same_calls_every_time_the_week_is_built(qa: QaFloor) -> None:
    # given a week of calls and its sample
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=20)
    calls(qa.ann, qa.cases["ann"], 30)
    calls(qa.carl, qa.cases["carl"], 15)
    qa_sample_build(week=WEEK)
    first = sampled()

    # when it is built again, and built afresh after the queue was emptied
    again = qa_sample_build(week=WEEK)
    QaReview.objects.all().delete()
    qa_sample_build(week=WEEK)

    # then the second run adds nothing and the fresh one draws the very same calls
    assert again.total == 0
    assert sampled() == first
    assert len(first) == 6 + 3


def test_the_draw_is_seeded_by_agent_and_week(qa: QaFloor) -> None:
    # given the same kind of calls in two weeks
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=10)
    calls(qa.ann, qa.cases["ann"], 50)
    calls(qa.ann, qa.cases["ann"], 50, at=TUESDAY + dt.timedelta(days=7))

    # when each week is drawn
    this_week = [a.pk for a in random_draw(WEEK, 10)]
    next_week = [a.pk for a in random_draw(WEEK + dt.timedelta(days=7), 10)]

    # then each takes five calls of its own week, and not at the same places in the week's list
    assert len(this_week) == len(next_week) == 5
    first_ids = sorted(ContactAttempt.objects.filter(placed_at__lt=TUESDAY + dt.timedelta(days=6)).values_list("pk", flat=True))
    second_ids = sorted(ContactAttempt.objects.filter(placed_at__gte=TUESDAY + dt.timedelta(days=6)).values_list("pk", flat=True))
    assert set(this_week) <= set(first_ids) and set(next_week) <= set(second_ids)
    assert sorted(first_ids.index(pk) for pk in this_week) != sorted(second_ids.index(pk) for pk in next_week)


def test_every_call_a_complaint_names_is_sampled_whatever_the_draw(qa: QaFloor) -> None:
    # given no random share, a short unanswered call of Ann's that a complaint names, a call of the week
    # before named by a complaint received this week, and a call nobody complains about
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=0)
    named = call(qa.ann, qa.cases["ann"], talk_seconds=0, status=ContactAttempt.Status.EXPIRED)
    earlier = call(qa.bob, qa.cases["bob"], at=TUESDAY - dt.timedelta(days=7))
    call(qa.ann, qa.cases["ann"])
    for case, attempt in ((qa.cases["ann"], named), (qa.cases["bob"], earlier)):
        complaint_register(
            case=case, category=category("communication_tactics"), channel="call", description="Rude.",
            actor=qa.supervisor, received_at=TUESDAY + dt.timedelta(hours=12), attempts=[attempt],
            now=TUESDAY + dt.timedelta(days=1),
        )  # fmt: skip

    # when the week's sample is built
    built = qa_sample_build(week=WEEK)

    # then both named calls are in it, for the complaint, and nothing else
    assert sampled() == {named.pk: "complaint", earlier.pk: "complaint"}
    assert built.added["complaint"] == 2


def test_every_call_placed_against_the_engine_is_sampled_but_not_a_released_one(qa: QaFloor) -> None:
    # given no random share, a call the engine refused, and a refused reservation released unused
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=0)
    refused = call(qa.carl, qa.cases["carl"], allowed=False)
    call(qa.carl, qa.cases["carl"], allowed=False, status=ContactAttempt.Status.NOT_DIALED, talk_seconds=0)
    call(qa.carl, qa.cases["carl"])

    qa_sample_build(week=WEEK)

    assert sampled() == {refused.pk: "compliance"}


def test_a_call_drawn_and_complained_about_is_filed_under_the_complaint_once(qa: QaFloor) -> None:
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    only = call(qa.ann, qa.cases["ann"])
    complaint_register(
        case=qa.cases["ann"], category=category("fees"), channel="call", description="Fees.", actor=qa.supervisor,
        received_at=TUESDAY + dt.timedelta(hours=12), attempts=[only], now=TUESDAY + dt.timedelta(days=1),
    )  # fmt: skip

    built = qa_sample_build(week=WEEK)

    assert sampled() == {only.pk: "complaint"}
    assert built.added == {"complaint": 1, "compliance": 0, "random": 0}


def test_without_an_active_scorecard_the_sample_is_refused_and_nothing_is_written(qa: QaFloor) -> None:
    calls(qa.ann, qa.cases["ann"], 3)
    Scorecard.objects.update(is_active=False)

    with pytest.raises(DomainError) as refused:
        qa_sample_build(week=WEEK)

    assert refused.value.code == "conflict"
    assert not QaReview.objects.exists()


def test_the_command_and_the_task_build_the_same_week(qa: QaFloor) -> None:
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=50)
    calls(qa.ann, qa.cases["ann"], 4)
    out = io.StringIO()

    call_command("qa_sample", "--week", "2026-04-08", stdout=out)
    again = qa_sample_task.delay("2026-04-06").get()

    assert "Week of 2026-04-06: 2 calls added" in out.getvalue()
    assert again == {"week": "2026-04-06", "added": {"complaint": 0, "compliance": 0, "random": 0}}
