"""Call review screens: the reviewers' queue and the agent's own reviews; one review, scored on its scorecard.

Thin: the reviews come from ``selectors.quality`` (an agent sees their own, a team lead the team's, a
supervisor all; any other review is 404) and scoring is ``services.quality.qa_review_score``.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from collections_app import roles
from collections_app.models import QaAnswer, QaReview
from collections_app.selectors.quality import (
    recording_link,
    review_queue,
    reviews_for_reading,
    reviews_visible_to,
)
from collections_app.services import clock
from collections_app.services.quality import qa_may_review, qa_review_score
from config.errors import DomainError

READERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
SHOWN = 100


@require_GET
@roles.role_required(*READERS)
def reviews(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    visible = reviews_for_reading(reviews_visible_to(user))
    reviewer = roles.user_has_role(user, roles.TEAM_LEAD, roles.SUPERVISOR)
    return render(
        request,
        "collections_app/quality/reviews.html",
        {
            "queue": list(reviews_for_reading(review_queue(user))[:SHOWN]),
            "mine": list(visible.filter(agent=user, status=QaReview.Status.SCORED).order_by("-scored_at")[:SHOWN]),
            "scored": list(
                visible.filter(status=QaReview.Status.SCORED).exclude(agent=user).order_by("-scored_at")[:SHOWN]
            ) if reviewer else [],
            # Reviewers always see their queue; their own calls' reviews only when there are some.
            "reviewer": reviewer,
        },
    )


@require_http_methods(["GET", "POST"])
@roles.role_required(*READERS)
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    user = cast(User, request.user)
    review = reviews_for_reading(reviews_visible_to(user)).filter(pk=review_id).first()
    if review is None:
        raise Http404
    may_score = review.status == QaReview.Status.PENDING and qa_may_review(user, review)
    errors: dict[str, list[str]] = {}
    message = ""
    given = {item.code: request.POST.get(f"item-{item.code}", "") for item in review.scorecard.items.all()}
    if request.method == "POST":
        if not may_score:
            raise PermissionDenied
        try:
            qa_review_score(
                review=review, reviewer=user, answers={code: result for code, result in given.items() if result},
                coaching_note=request.POST.get("coaching_note", ""), at=clock.now(),
            )  # fmt: skip
        except DomainError as refusal:
            errors, message = refusal.errors, str(refusal)
        else:
            return redirect("qa-reviews")
    answers = {answer.item_id: answer.result for answer in review.answers.all()}
    items = [
        {"item": item, "result": answers.get(item.pk) or given.get(item.code, ""), "errors": errors.get(item.code, [])}
        for item in review.scorecard.items.all()
    ]
    return render(
        request,
        "collections_app/quality/review.html",
        {
            "review": review, "items": items, "may_score": may_score, "results": QaAnswer.Result.choices,
            "recording_url": recording_link(review.attempt), "errors": errors, "message": message,
            "coaching_note": request.POST.get("coaching_note", review.coaching_note),
        },
        status=400 if message else 200,
    )  # fmt: skip
