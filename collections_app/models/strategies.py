"""Treatment strategies and champion/challenger experiments (DESIGN.md 16), as versioned data.

A strategy has segments in an order (an account is in the first one of the strategy it matches), and
each segment has arms: the champion and any challengers, each with a share of the segment. Each arm has
its plan: actions by day offset, where the offset is days from the due date (-3 is three days before
the next due date of an account still current, +1 is one day past due). An account's arm in a segment
is a stable hash of (segment, account) against the shares, recorded once (``ArmAssignment``): a later
change of shares never moves an account already assigned.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import LoanAccount

from .contacts import ContactAttempt
from .messages import MessageTemplate


def _localized(name: str, name_zh_hans: str) -> str:
    return name_zh_hans if name_zh_hans and (get_language() or "").lower().startswith("zh") else name


class Strategy(models.Model):
    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=120, blank=True)
    active = models.BooleanField(_("active"), default=False)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="strategy_unique_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(active=True), name="strategy_one_active_version"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_zh_hans)


class Segment(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="segments")
    position = models.PositiveSmallIntegerField(_("order"), help_text=_("An account is in the first segment it matches."))
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=120)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=120, blank=True)
    bucket = models.CharField(_("bucket"), max_length=8, blank=True, help_text=_("Empty: any bucket."))
    dpd_min = models.PositiveIntegerField(_("from DPD"), null=True, blank=True)
    dpd_max = models.PositiveIntegerField(_("to DPD"), null=True, blank=True)
    days_to_due_min = models.PositiveSmallIntegerField(
        _("from days before the due date"),
        null=True,
        blank=True,
        help_text=_("Pre-due: for accounts still current, days until the next due date (0: due today)."),
    )
    days_to_due_max = models.PositiveSmallIntegerField(_("to days before the due date"), null=True, blank=True)
    product = models.CharField(_("product"), max_length=32, blank=True, help_text=_("Empty: any product."))
    balance_min = models.DecimalField(_("balance from"), max_digits=14, decimal_places=2, null=True, blank=True)
    balance_max = models.DecimalField(
        _("balance below"), max_digits=14, decimal_places=2, null=True, blank=True, help_text=_("Outstanding principal.")
    )
    language = models.CharField(_("language"), max_length=16, blank=True, help_text=_("Empty: any language."))
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("Empty: any country."))

    class Meta:
        ordering = ["strategy", "position"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "position"], name="segment_unique_position"),
            models.UniqueConstraint(fields=["strategy", "code"], name="segment_unique_code"),
            models.CheckConstraint(
                condition=Q(dpd_min__isnull=True) | Q(dpd_max__isnull=True) | Q(dpd_min__lte=models.F("dpd_max")),
                name="segment_dpd_range",
            ),
            models.CheckConstraint(
                condition=Q(days_to_due_min__isnull=True)
                | Q(days_to_due_max__isnull=True)
                | Q(days_to_due_min__lte=models.F("days_to_due_max")),
                name="segment_days_to_due_range",
            ),
            models.CheckConstraint(
                condition=Q(balance_min__isnull=True)
                | Q(balance_max__isnull=True)
                | Q(balance_min__lt=models.F("balance_max")),
                name="segment_balance_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy}: {self.display_name}"

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_zh_hans)

    @property
    def pre_due(self) -> bool:
        return self.days_to_due_min is not None or self.days_to_due_max is not None

    def clean(self) -> None:
        if self.pre_due and (self.bucket not in ("", "M0") or self.dpd_min or self.dpd_max):
            raise ValidationError(_("A pre-due segment is for accounts still current: no bucket past M0, no DPD."))


class Arm(models.Model):
    class Kind(models.TextChoices):
        CHAMPION = "champion", _("Champion")
        CHALLENGER = "challenger", _("Challenger")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="arms")
    code = models.SlugField(_("code"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHAMPION)
    name = models.CharField(_("name"), max_length=120)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=120, blank=True)
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Of the segment's accounts not yet assigned; the segment's arms add up to 100."),
    )

    class Meta:
        ordering = ["segment", "kind", "code"]
        verbose_name = _("arm")
        verbose_name_plural = _("arms")
        constraints = [
            models.UniqueConstraint(fields=["segment", "code"], name="arm_unique_code"),
            models.UniqueConstraint(fields=["segment"], condition=Q(kind="champion"), name="arm_one_champion"),
            models.CheckConstraint(condition=Q(share__gte=0, share__lte=100), name="arm_share_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.segment.code}/{self.code} ({self.share}%)"

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_zh_hans)


class Action(models.Model):
    class Kind(models.TextChoices):
        SEND = "send", _("Send a template")
        DIALER = "dialer", _("Put on the dialer list")
        AGENT = "agent", _("Queue for an agent")
        HOLD = "hold", _("Hold")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="actions")
    arm = models.ForeignKey(Arm, on_delete=models.CASCADE, related_name="actions", help_text=_("Whose plan it is."))
    day_offset = models.SmallIntegerField(
        _("day"), help_text=_("Days from the due date: -3 three days before it, 0 on it, 2 at two days past due.")
    )
    every_day_after = models.BooleanField(_("and every day after"), default=False)
    kind = models.CharField(_("action"), max_length=8, choices=Kind.choices)
    template_code = models.SlugField(_("template"), max_length=64, blank=True, help_text=_("For a send: the template's code."))
    channel = models.CharField(
        _("channel"), max_length=10, choices=MessageTemplate.Channel.choices, blank=True, help_text=_("For a send.")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True, help_text=_("For the dialer list."))
    stop_if_paid = models.BooleanField(_("stop when paid"), default=True)
    stop_if_promise_open = models.BooleanField(_("stop while a promise is open"), default=True)
    stop_if_complaint = models.BooleanField(_("stop on a complaint"), default=True)
    stop_if_cease = models.BooleanField(_("stop on a cease request"), default=True)

    class Meta:
        ordering = ["segment", "arm", "day_offset", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="send") | (~Q(template_code="") & ~Q(channel="")), name="action_send_has_template"
            ),
            models.CheckConstraint(condition=~Q(kind="dialer") | Q(priority__isnull=False), name="action_dialer_priority"),
        ]

    def __str__(self) -> str:
        return f"D{self.day_offset:+d} {self.get_kind_display()}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.arm_id and self.segment_id and self.arm.segment_id != self.segment_id:
            errors.setdefault("arm", []).append(str(_("The arm must be one of this segment's arms.")))
        if self.kind == self.Kind.SEND:
            if not self.template_code or not self.channel:
                errors.setdefault("template_code", []).append(str(_("A send needs a template and a channel.")))
            elif not MessageTemplate.objects.filter(
                code=self.template_code, channel=self.channel, is_active=True
            ).exists():
                errors.setdefault("template_code", []).append(str(_("No active template has this code on this channel.")))
        if self.kind == self.Kind.DIALER and self.priority is None:
            errors.setdefault("priority", []).append(str(_("The dialer list needs a priority.")))
        if errors:
            raise ValidationError(errors)


class ArmAssignment(models.Model):
    """An account's arm in a segment's experiment: recorded once, never moved."""

    account = models.ForeignKey(LoanAccount, on_delete=models.CASCADE, related_name="arm_assignments")
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="assignments")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="assignments")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        verbose_name = _("arm assignment")
        verbose_name_plural = _("arm assignments")
        constraints = [models.UniqueConstraint(fields=["account", "segment"], name="arm_assignment_once")]
        indexes = [models.Index(fields=["arm"], name="arm_assignment_arm_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} -> {self.arm_id}"


class ChannelCost(models.Model):
    """What one contact costs on a channel (a text, an e-mail, a call), for the experiments' cost per account."""

    channel = models.CharField(_("channel"), max_length=8, unique=True, choices=ContactAttempt.Channel.choices)
    unit_cost = models.DecimalField(
        _("cost per contact"), max_digits=10, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        ordering = ["channel"]
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")
        constraints = [models.CheckConstraint(condition=Q(unit_cost__gte=0), name="channel_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.currency} {self.unit_cost}"

    def clean(self) -> None:
        others = ChannelCost.objects.exclude(pk=self.pk).exclude(currency=self.currency)
        if others.exists():
            raise ValidationError({"currency": _("Every channel's cost is in the same currency.")})
