"""Call quality review (DESIGN.md 17): the weekly sample of calls per agent, and scoring a sampled call.

The sample of an ISO week (Monday to Sunday in the book's calendar) holds, for each agent:

- a share of the agent's answered calls of the week (completed, with talk time), drawn at random:
  the active scorecard's ``sample_percent``, rounded up. The draw is a hash of the call's id seeded
  by the agent and the week, ranked per agent in SQL (a window function), so building the sample of
  a week again draws the same calls;
- every call a complaint names, placed in the week or named by a complaint received in the week;
- every call placed in the week against the compliance engine's refusal (a dialer's compliance
  exception: its stored decision is not allowed).

A call is sampled once (``QaReview.attempt`` is unique): building a week twice adds nothing, and a
call a complaint names later than its week's sample is added by the next week's build. Selection
is set-based: three queries pick the calls, and the reviews are inserted in batches.

A review is scored on the scorecard it was sampled under: every item answered met, not met or not
applicable; the score is the weight of the items met over the weight of the items answered met or
not met, in percent; a critical item not met fails the review with score 0. Reviewers are
supervisors (every call) and team leads (their teams' calls), never the agent of the call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.calendar import book_date, day_bounds
from accounts.services.audit import audit_record
from collections_app.models import Complaint, ContactAttempt, QaAnswer, QaReview, Scorecard, ScorecardItem
from collections_app.roles import SUPERVISOR, TEAM_LEAD, user_has_role
from collections_app.selectors.cases import teams_led_by
from config.errors import DomainError, ErrorCode

MAX_NOTE = 4000
BATCH = 1000
# The draw: a two-round multiplicative hash modulo the Mersenne prime 2^31 - 1 (MINSTD's modulus),
# in integer arithmetic that SQLite and PostgreSQL compute alike within 64 bits.
MODULUS = 2_147_483_647


def week_start(day: dt.date) -> dt.date:
    """Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def week_key(week: dt.date) -> int:
    """``YYYYWW`` of the ISO week: the seed's part that changes from week to week."""
    year, number, _weekday = week.isocalendar()
    return year * 100 + number


def week_bounds(week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The week's instants, from Monday's start to the next Monday's, in the book's calendar."""
    start = week_start(week)
    return day_bounds(start)[0], day_bounds(start + dt.timedelta(days=7))[0]


def draw_expression(week: dt.date) -> F:
    """The call's place in its agent's draw for ``week``: a number in [0, 2^31 - 1), the same every run."""
    big = BigIntegerField()
    pk = Cast(F("pk"), big) % MODULUS
    agent = Cast(F("agent_id"), big) % MODULUS
    seeded = (pk * Value(1_103_515_245, big) + agent * Value(69_621, big) + Value(week_key(week) * 16_807, big)) % MODULUS
    return (seeded * Value(48_271, big) + Value(12_345, big)) % MODULUS  # type: ignore[return-value]


def reviewable_calls(week: dt.date) -> QuerySet[ContactAttempt]:
    """The population of the random draw: the agents' answered calls of the week."""
    start, end = week_bounds(week)
    return ContactAttempt.objects.filter(
        channel=ContactAttempt.Channel.CALL,
        status=ContactAttempt.Status.COMPLETED,
        agent__isnull=False,
        talk_seconds__gt=0,
        placed_at__gte=start,
        placed_at__lt=end,
    )


def random_draw(week: dt.date, percent: int) -> QuerySet[ContactAttempt]:
    """Each agent's ``percent`` share (rounded up) of their answered calls of the week, by the seeded draw."""
    calls = reviewable_calls(week).annotate(draw=draw_expression(week))
    ranked = calls.annotate(
        place=Window(RowNumber(), partition_by=[F("agent_id")], order_by=[F("draw").asc(), F("pk").asc()]),
        calls_of_agent=Window(Count("pk"), partition_by=[F("agent_id")]),
    )
    return ranked.filter(place__lte=(F("calls_of_agent") * percent + 99) / 100)


def complaint_calls(week: dt.date) -> QuerySet[ContactAttempt]:
    """Calls a complaint names: placed in the week, or named by a complaint received in the week."""
    start, end = week_bounds(week)
    links = Complaint.attempts.through.objects.filter(contactattempt_id=OuterRef("pk"))
    return ContactAttempt.objects.filter(channel=ContactAttempt.Channel.CALL).exclude(
        status=ContactAttempt.Status.NOT_DIALED
    ).filter(
        Exists(links.filter(complaint__received_at__gte=start, complaint__received_at__lt=end))
        | (Q(placed_at__gte=start, placed_at__lt=end) & Exists(links))
    )


def compliance_exception_calls(week: dt.date) -> QuerySet[ContactAttempt]:
    """Calls of the week placed although the engine refused them (the decision stored with them says so)."""
    start, end = week_bounds(week)
    return ContactAttempt.objects.filter(
        channel=ContactAttempt.Channel.CALL, placed_at__gte=start, placed_at__lt=end, decision__allowed=False
    ).exclude(status=ContactAttempt.Status.NOT_DIALED)


def scorecard_active() -> Scorecard:
    scorecard = Scorecard.objects.filter(is_active=True).first()
    if scorecard is None:
        raise DomainError(_("No scorecard is active: activate one in the admin."), code=ErrorCode.CONFLICT)
    return scorecard


@dataclass(frozen=True)
class SampleBuilt:
    week: dt.date
    scorecard: int
    added: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.added.values())


def _insert(calls: QuerySet[ContactAttempt], *, week: dt.date, reason: str, scorecard: Scorecard) -> int:
    # A window-filtered queryset cannot be filtered further: the calls already sampled are left
    # out here, in Python, over the few ids drawn.
    rows = list(
        calls.annotate(team_key=Coalesce(F("agent__agent__team_id"), F("case__team_id")))
        .values_list("pk", "agent_id", "team_key")
        .order_by()
    )
    taken = set(QaReview.objects.filter(attempt_id__in=[pk for pk, *_rest in rows]).values_list("attempt_id", flat=True))
    fresh = [
        QaReview(attempt_id=pk, week=week, reason=reason, agent_id=agent, team_id=team, scorecard=scorecard)
        for pk, agent, team in rows
        if pk not in taken
    ]
    QaReview.objects.bulk_create(fresh, batch_size=BATCH, ignore_conflicts=True)
    return len(fresh)


@transaction.atomic
def qa_sample_build(*, week: dt.date, actor: User | None = None) -> SampleBuilt:
    """Add the week's sample to the reviewers' queue (``week``: any day of it). Safe to run again:
    calls already sampled stay as they are. Complaints first, then compliance exceptions, then the draw,
    so a call drawn for two reasons is filed under the weightier one."""
    week = week_start(week)
    scorecard = scorecard_active()
    added = {
        QaReview.Reason.COMPLAINT.value: _insert(
            complaint_calls(week), week=week, reason=QaReview.Reason.COMPLAINT, scorecard=scorecard
        ),
        QaReview.Reason.COMPLIANCE.value: _insert(
            compliance_exception_calls(week), week=week, reason=QaReview.Reason.COMPLIANCE, scorecard=scorecard
        ),
        QaReview.Reason.RANDOM.value: _insert(
            random_draw(week, scorecard.sample_percent), week=week, reason=QaReview.Reason.RANDOM, scorecard=scorecard
        ),
    }
    audit_record(
        action="qa.sample_build", obj=scorecard, actor=actor, after={"week": week.isoformat(), "added": added}
    )
    return SampleBuilt(week=week, scorecard=scorecard.pk, added=added)


def qa_sample_build_last_week(*, today: dt.date | None = None) -> SampleBuilt:
    """The sample of the last whole week (the beat job runs on Mondays)."""
    day = today or book_date(timezone.now())
    return qa_sample_build(week=week_start(day) - dt.timedelta(days=7))


def qa_may_review(user: AbstractBaseUser | AnonymousUser, review: QaReview) -> bool:
    """Supervisors review every call, team leads their teams' calls; nobody their own call."""
    if not getattr(user, "is_authenticated", False) or review.agent_id == user.pk:
        return False
    if user_has_role(user, SUPERVISOR):
        return True
    if review.team_id is None or not user_has_role(user, TEAM_LEAD):
        return False
    return teams_led_by(user).filter(pk=review.team_id).exists()


@dataclass(frozen=True)
class Score:
    score: Decimal
    passed: bool
    critical_failed: bool


def score_compute(scorecard: Scorecard, items: list[ScorecardItem], results: Mapping[int, str]) -> Score:
    """The review's score from its answers by item id (the rules of the module's docstring)."""
    critical_failed = any(item.critical and results[item.pk] == QaAnswer.Result.NOT_MET for item in items)
    met = sum(item.weight for item in items if results[item.pk] == QaAnswer.Result.MET)
    answered = sum(item.weight for item in items if results[item.pk] != QaAnswer.Result.NOT_APPLICABLE)
    score = Decimal(0) if critical_failed else (Decimal(100) * met / answered).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Score(score=score, passed=not critical_failed and score >= scorecard.pass_mark, critical_failed=critical_failed)


@transaction.atomic
def qa_review_score(
    *,
    review: QaReview,
    reviewer: User,
    answers: Mapping[str, str],
    coaching_note: str = "",
    at: dt.datetime | None = None,
) -> QaReview:
    """Score a sampled call: ``answers`` maps each item's code to met / not_met / na. Bad input raises
    ``DomainError`` and writes nothing. Locks the review; a scored review cannot be scored again."""
    locked = QaReview.objects.select_for_update(of=("self",)).select_related("scorecard").get(pk=review.pk)
    if locked.status != QaReview.Status.PENDING:
        raise DomainError(_("This call is reviewed already."), code=ErrorCode.WRONG_STATUS)
    if not qa_may_review(reviewer, locked):
        raise DomainError(_("You may not review this call."), code=ErrorCode.NOT_AUTHORIZED)
    items = list(locked.scorecard.items.all())
    by_code = {item.code: item for item in items}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        errors["answers"] = [_("Not items of this scorecard: %(codes)s.") % {"codes": ", ".join(unknown)}]
    for item in items:
        result = answers.get(item.code)
        if result is None:
            errors[item.code] = [_("Answer every item.")]
        elif result not in QaAnswer.Result.values:
            errors[item.code] = [_("Met, not met or not applicable.")]
        elif item.critical and result == QaAnswer.Result.NOT_APPLICABLE:
            errors[item.code] = [_("A critical item is always answered met or not met.")]
    note = coaching_note.strip()
    if len(note) > MAX_NOTE:
        errors["coaching_note"] = [_("At most %(n)s characters.") % {"n": MAX_NOTE}]
    if not items:
        errors["answers"] = [_("This scorecard has no items.")]
    elif not errors and all(answers[item.code] == QaAnswer.Result.NOT_APPLICABLE for item in items):
        errors["answers"] = [_("At least one item must be met or not met.")]
    if errors:
        raise DomainError(_("The review cannot be scored like this."), errors=errors)
    results = {item.pk: answers[item.code] for item in items}
    outcome = score_compute(locked.scorecard, items, results)
    QaAnswer.objects.bulk_create([QaAnswer(review=locked, item=item, result=results[item.pk]) for item in items])
    locked.status = QaReview.Status.SCORED
    locked.reviewer = reviewer
    locked.scored_at = at or timezone.now()
    locked.score = outcome.score
    locked.passed = outcome.passed
    locked.critical_failed = outcome.critical_failed
    locked.coaching_note = note
    locked.save()
    audit_record(
        action="qa.review_score",
        obj=locked,
        actor=reviewer,
        before={"status": QaReview.Status.PENDING},
        after={
            "status": locked.status,
            "score": str(outcome.score),
            "passed": outcome.passed,
            "critical_failed": outcome.critical_failed,
            "answers": {item.code: results[item.pk] for item in items},
        },
    )
    return locked
