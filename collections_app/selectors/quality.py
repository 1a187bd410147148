"""Call reviews a user may see, and the reviewers' queue.

An agent sees the reviews of their own calls (scores, answers, coaching notes); a team lead their
teams' reviews; supervisors every review. Administrators and analysts see none here: a review is
about a person's work (the QA score in the reports is their figure).
The queue: the pending reviews the user may score, complaints first, then compliance exceptions,
then the random draw, the oldest week first; never the user's own calls.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When

from accounts.actors import actor_user
from collections_app.models import ContactAttempt, DialAuthorization, QaReview
from collections_app.roles import SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by

REASON_ORDER = SqlCase(
    When(reason=QaReview.Reason.COMPLAINT, then=Value(0)),
    When(reason=QaReview.Reason.COMPLIANCE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def reviews_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[QaReview]:
    if not getattr(user, "is_authenticated", False):
        return QaReview.objects.none()
    if user_has_role(user, SUPERVISOR):
        return QaReview.objects.all()
    if user_has_role(user, TEAM_LEAD):
        return QaReview.objects.filter(team__in=teams_led_by(user))
    return QaReview.objects.filter(agent=actor_user(user))


def review_queue(user: AbstractBaseUser | AnonymousUser) -> QuerySet[QaReview]:
    """The pending reviews the user may score, in the order they should be taken."""
    if not user_has_role(user, SUPERVISOR, TEAM_LEAD):
        return QaReview.objects.none()
    return (
        reviews_visible_to(user)
        .filter(status=QaReview.Status.PENDING)
        .exclude(agent_id=user.pk)
        .select_related("attempt", "agent", "team", "scorecard")
        .annotate(reason_order=REASON_ORDER)
        .order_by("reason_order", "week", "attempt__placed_at", "pk")
    )


def recording_link(attempt: ContactAttempt) -> str:
    """Where the call's recording is heard: the recording link template of the integration that placed
    the call, with the call's recording reference in it ('' when either is missing). Reads the
    attempt's ``dial_authorization__integration`` (select it with the attempt to save the queries)."""
    if not attempt.recording_ref:
        return ""
    try:
        authorization = attempt.dial_authorization
    except DialAuthorization.DoesNotExist:
        return ""
    return authorization.integration.recording_link(attempt.recording_ref)


def reviews_for_reading(reviews: QuerySet[QaReview]) -> QuerySet[QaReview]:
    """What a review's page or the API shows with it: the call, its recording's integration, the answers."""
    return reviews.select_related(
        "attempt__dial_authorization__integration", "agent", "team", "scorecard", "reviewer"
    ).prefetch_related("answers__item")
