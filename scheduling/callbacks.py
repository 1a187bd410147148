"""The Callback model: a call an agent owes a case at a set time (registered through scheduling.models).

Callbacks are scheduled by agents ("call back Tuesday 18:00 her time"), by dispositions, by a
promise agreed with a follow-up call and by broken promises. The compliance engine checks the
time when a callback is made and again when it comes due (``scheduling.services.callbacks``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Callback(models.Model):
    class Reason(models.TextChoices):
        AGENT = "agent", _("Agent's appointment")
        DISPOSITION = "disposition", _("Call outcome")
        PROMISE = "promise", _("Follow-up agreed with a promise")
        BROKEN_PROMISE = "broken_promise", _("Promise not kept")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        MISSED = "missed", _("Missed")
        BLOCKED = "blocked", _("No longer allowed")

    case = models.ForeignKey("collections_app.Case", on_delete=models.CASCADE, related_name="callbacks")
    agent = models.ForeignKey(
        "collections_app.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    phone = models.ForeignKey(
        "accounts.Phone", null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    due_at = models.DateTimeField(_("due at"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("note"), max_length=255, blank=True)
    promise = models.ForeignKey(
        "collections_app.PromiseToPay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )
    # The engine's reasons when the callback was checked again on coming due (empty: allowed).
    checked_at = models.DateTimeField(_("checked when due at"), null=True, blank=True)
    check_reasons = models.JSONField(_("reasons found when due"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "done", "cancelled", "missed", "blocked"]),
                name="callback_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["agent", "disposition", "promise", "broken_promise"]),
                name="callback_reason_valid",
            ),
            # One follow-up per broken promise, whatever runs the settle job twice.
            models.UniqueConstraint(
                fields=["promise"],
                condition=Q(reason="broken_promise"),
                name="callback_one_per_broken_promise",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="callback_pending_due_idx", condition=Q(status="pending")),
            models.Index(fields=["case", "status"], name="callback_case_idx"),
            models.Index(fields=["agent", "status", "due_at"], name="callback_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"Callback {self.pk} on case {self.case_id} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"
