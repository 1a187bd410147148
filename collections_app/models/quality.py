"""Call quality review (DESIGN.md 17): scorecards as data, the weekly sample of calls and the reviews.

- ``Scorecard``: items with weights; one scorecard is active at a time (a change is a new scorecard,
  the old one deactivated: a review keeps the scorecard it was scored on). It also carries the share
  of each agent's calls drawn at random into the weekly sample.
- ``ScorecardItem``: what the reviewer checks; a critical item not met fails the whole review
  (score 0, failed), whatever the other items.
- ``QaReview``: one sampled call, why it was drawn (at random, a complaint, a compliance exception),
  the agent and team it is filed under, and once scored: the reviewer, the score, the outcome and
  the coaching note for the agent. ``QaAnswer``: the reviewer's answer to one item.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.pii import EncryptedTextField

from .cases import Team
from .contacts import ContactAttempt


class Scorecard(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(
        _("active"), default=False, help_text=_("The scorecard new samples are reviewed on; one at a time.")
    )
    sample_percent = models.PositiveSmallIntegerField(
        _("calls drawn at random per agent (%)"),
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of each agent's answered calls of the week drawn at random (rounded up)."),
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A review passes at this score or above, with no critical item failed."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_active", "code"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="scorecard_one_active"),
            models.CheckConstraint(condition=Q(sample_percent__lte=100), name="scorecard_sample_percent_valid"),
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="scorecard_pass_mark_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ScorecardItem(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("what the reviewer checks"), max_length=200)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)], help_text=_("Points the item is worth.")
    )
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Not met: the review fails with score 0 (a compliance item).")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scorecard", "position", "pk"]
        verbose_name = _("scorecard item")
        verbose_name_plural = _("scorecard items")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="scorecard_item_unique_code"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="scorecard_item_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class QaReview(models.Model):
    class Reason(models.TextChoices):
        RANDOM = "random", _("Drawn at random")
        COMPLAINT = "complaint", _("A complaint names the call")
        COMPLIANCE = "compliance", _("Placed against the compliance engine")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a reviewer")
        SCORED = "scored", _("Scored")

    attempt = models.OneToOneField(
        ContactAttempt, on_delete=models.PROTECT, related_name="qa_review", db_constraint=False
    )
    week = models.DateField(_("week"), help_text=_("Monday of the ISO week the sample is of."))
    reason = models.CharField(_("why sampled"), max_length=12, choices=Reason.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="qa_reviews"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="qa_reviews_made"
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    critical_failed = models.BooleanField(_("a critical item failed"), default=False)
    coaching_note = EncryptedTextField(_("coaching note"), max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["week", "pk"]
        verbose_name = _("call review")
        verbose_name_plural = _("call reviews")
        indexes = [
            models.Index(fields=["status", "week"], name="qa_review_queue_idx"),
            models.Index(fields=["agent", "week"], name="qa_review_agent_idx"),
            models.Index(fields=["scored_at"], name="qa_review_scored_idx", condition=Q(status="scored")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", score__isnull=True, scored_at__isnull=True, passed__isnull=True)
                | Q(status="scored", score__isnull=False, scored_at__isnull=False, passed__isnull=False),
                name="qa_review_scored_consistent",
            ),
            models.CheckConstraint(condition=Q(reason__in=["random", "complaint", "compliance"]), name="qa_review_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk}"


class QaAnswer(models.Model):
    class Result(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "na", _("Not applicable")

    review = models.ForeignKey(QaReview, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ScorecardItem, on_delete=models.PROTECT, related_name="answers")
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)

    class Meta:
        ordering = ["review", "item__position", "item_id"]
        verbose_name = _("review answer")
        verbose_name_plural = _("review answers")
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="qa_answer_one_per_item"),
            models.CheckConstraint(condition=Q(result__in=["met", "not_met", "na"]), name="qa_answer_result_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"
