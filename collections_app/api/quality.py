"""Call quality review API: the reviews one may see, the reviewers' queue, scoring a sampled call.

- ``GET /api/v1/qa/reviews/``: an agent the reviews of their own calls (scores, answers, coaching
  notes), a team lead the teams', a supervisor all; ``GET /api/v1/qa/reviews/{id}/`` one of them.
- ``GET /api/v1/qa/queue/``: the pending reviews a team lead or supervisor may score, in order.
- ``POST /api/v1/qa/reviews/{id}/score/``: score it (``services.quality.qa_review_score``).

Sessions only: a review is about a person's work, no integration reads it. A review one may not
see is 404; one seen but not to be scored by the caller (the agent's own) is 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from collections_app.api.dialer.base import DialerView, error
from collections_app.api.dialer.permissions import integration_of
from collections_app.models import QaAnswer, QaReview
from collections_app.roles import AGENT, SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.quality import (
    recording_link,
    review_queue,
    reviews_for_reading,
    reviews_visible_to,
)
from collections_app.services import clock
from collections_app.services.quality import qa_review_score
from config.errors import DomainError, ErrorCode
from config.pagination import Cursor, cursor_page

READERS = (AGENT, TEAM_LEAD, SUPERVISOR)
REVIEWERS = (TEAM_LEAD, SUPERVISOR)


class QaAccess(BasePermission):
    """Sessions of agents, team leads and supervisors (the queue: team leads and supervisors)."""

    message = gettext_lazy("Your role may not use call reviews.")
    refuses_tokens = True  # the schema declares the session alone (config.schema)

    def has_permission(self, request: Request, view: Any) -> bool:
        if integration_of(request) is not None or request.auth is not None:
            return False
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return user_has_role(user, *getattr(view, "roles", READERS))


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    text = serializers.CharField(source="item.label")
    weight = serializers.IntegerField(source="item.weight")
    critical = serializers.BooleanField(source="item.critical")

    class Meta:
        model = QaAnswer
        fields = ["item", "text", "weight", "critical", "result"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    attempt_id = serializers.IntegerField(read_only=True)
    case_id = serializers.IntegerField(source="attempt.case_id", read_only=True, allow_null=True)
    placed_at = serializers.DateTimeField(source="attempt.placed_at", read_only=True)
    talk_seconds = serializers.IntegerField(source="attempt.talk_seconds", read_only=True)
    recording_url = serializers.SerializerMethodField()
    agent = serializers.CharField(source="agent.username", read_only=True, default=None, allow_null=True)
    team = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    scorecard = serializers.CharField(source="scorecard.code", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True, default=None, allow_null=True)
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = QaReview
        fields = [
            "id", "attempt_id", "case_id", "placed_at", "talk_seconds", "recording_url", "week", "reason", "agent",
            "team", "scorecard", "status", "reviewer", "scored_at", "score", "passed", "critical_failed",
            "coaching_note", "answers",
        ]  # fmt: skip
        read_only_fields = fields

    def get_recording_url(self, review: QaReview) -> str:
        return recording_link(review.attempt)


class ScoreSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(max_length=8), allow_empty=False,
        help_text="Each item's code of the review's scorecard: met, not_met or na (critical items: met or not_met).",
    )  # fmt: skip
    coaching_note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ReviewCursor(Cursor):
    ordering = ("-pk",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


EXAMPLE = {
    "id": 77, "attempt_id": 9120, "case_id": 812, "placed_at": "2026-04-07T14:05:00Z", "talk_seconds": 184,
    "recording_url": "https://recordings.example.com/play/2026/04/07/9120.wav", "week": "2026-04-06",
    "reason": "complaint", "agent": "agent1", "team": "M1 Team", "scorecard": "collection-call", "status": "scored",
    "reviewer": "lead1", "scored_at": "2026-04-13T09:30:00Z", "score": "0.00", "passed": False,
    "critical_failed": True, "coaching_note": "Say who is calling before anything else.",
    "answers": [{"item": "disclosure", "text": "Said who is calling and that it is an attempt to collect a debt",
                 "weight": 10, "critical": True, "result": "not_met"}],
}  # fmt: skip
DENIED = error("Your role may not do this (tokens never).", code="permission_denied", message="Your role may not use call reviews.")
NOT_FOUND = error("No such review (or not one you may see).", code="not_found", message="No such review (or not one you may see).")


def _review(request: Request, review_id: str) -> QaReview:
    found = (
        reviews_for_reading(reviews_visible_to(request.user)).filter(pk=int(review_id)).first()
        if review_id.isdigit() and len(review_id) < 19 else None
    )  # fmt: skip
    if found is None:
        raise DomainError(_("No such review (or not one you may see)."), code=ErrorCode.NOT_FOUND)
    return found


class ReviewListView(DialerView):
    permission_classes = [QaAccess]

    @extend_schema(
        operation_id="qa_reviews_list",
        summary="Call reviews you may see, newest first",
        description="An agent sees the reviews of their own calls, a team lead the teams', a supervisor all.",
        parameters=[
            OpenApiParameter("status", str, enum=QaReview.Status.values),
            OpenApiParameter("week", str, description="Monday of the ISO week (YYYY-MM-DD)."),
            OpenApiParameter("agent", str, description="Username of the agent of the call."),
            OpenApiParameter("limit", int), OpenApiParameter("cursor", str),
        ],
        responses={200: cursor_page(ReviewSerializer), 403: DENIED},
        examples=[OpenApiExample("A page", value={"next": None, "previous": None, "results": [EXAMPLE]}, response_only=True)],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        reviews = reviews_for_reading(reviews_visible_to(request.user))
        params = request.query_params
        if params.get("status") in QaReview.Status.values:
            reviews = reviews.filter(status=params["status"])
        if params.get("agent"):
            reviews = reviews.filter(agent__username=params["agent"])
        if params.get("week"):
            week = serializers.DateField().run_validation(params["week"])
            reviews = reviews.filter(week=week)
        paginator = ReviewCursor()
        page = paginator.paginate_queryset(reviews, request, view=self)
        return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)


class ReviewQueueView(DialerView):
    permission_classes = [QaAccess]
    roles = REVIEWERS

    @extend_schema(
        operation_id="qa_queue",
        summary="The reviewers' queue: the sampled calls you may score, the next first",
        description="Complaints first, then compliance exceptions, then the random draw; the oldest week first. Never your own calls.",
        parameters=[OpenApiParameter("limit", int, description="At most this many (default 50, at most 200).")],
        responses={200: ReviewSerializer(many=True), 403: DENIED},
        examples=[OpenApiExample("The queue", value=[{**EXAMPLE, "status": "pending", "reviewer": None, "scored_at": None, "score": None, "passed": None, "critical_failed": False, "coaching_note": "", "answers": []}], response_only=True)],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        limit = request.query_params.get("limit", "50")
        size = min(int(limit), 200) if limit.isdigit() and int(limit) > 0 else 50
        reviews = reviews_for_reading(review_queue(request.user))[:size]
        return Response(ReviewSerializer(reviews, many=True).data)


class ReviewDetailView(DialerView):
    permission_classes = [QaAccess]

    @extend_schema(operation_id="qa_reviews_read", responses={200: ReviewSerializer, 403: DENIED, 404: NOT_FOUND}, examples=[OpenApiExample("A review", value=EXAMPLE, response_only=True)])
    def get(self, request: Request, review_id: str) -> Response:
        return Response(ReviewSerializer(_review(request, review_id)).data)


class ReviewScoreView(DialerView):
    permission_classes = [QaAccess]

    @extend_schema(
        operation_id="qa_reviews_score",
        summary="Score a sampled call on its scorecard",
        description=(
            "Team leads (their teams' calls) and supervisors, never the agent of the call. Score = weight met / "
            "weight met or not met, in percent; a critical item not met fails the review with score 0."
        ),
        request=ScoreSerializer,
        responses={
            200: ReviewSerializer, 403: DENIED, 404: NOT_FOUND,
            400: error("Refused or malformed; nothing was written.", code="invalid", message="The review cannot be scored like this.", errors={"courtesy": ["Answer every item."]}),
            409: error("Scored already.", code="wrong_status", message="This call is reviewed already."),
        },
        examples=[OpenApiExample("Score", value={"answers": {"identity_verified": "met", "disclosure": "not_met", "courtesy": "na"}, "coaching_note": "Say who is calling first."}, request_only=True)],
    )  # fmt: skip
    def post(self, request: Request, review_id: str) -> Response:
        review = _review(request, review_id)
        body = ScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reviewer: User = request.user  # type: ignore[assignment]
        scored = qa_review_score(
            review=review, reviewer=reviewer, answers=body.validated_data["answers"],
            coaching_note=body.validated_data["coaching_note"], at=clock.now(),
        )  # fmt: skip
        return Response(ReviewSerializer(reviews_for_reading(QaReview.objects.filter(pk=scored.pk)).get()).data)
