"""The messaging figures' aggregate table (DESIGN.md 9 and 15), written only by the report job
``collections_app.reports.jobs.messages``: counts per day, channel, team, bucket and template, never ratios."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Team


class ReportMessageDay(models.Model):
    """What happened to messages on one day of the book's calendar, each event counted on its own day.

    The team is the one holding the message's case (none for a message about an account without a
    case); the bucket is the account's at the previous close of business (as the agents' figures);
    the template is the code (every version and language together)."""

    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=8)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bucket = models.CharField(_("bucket"), max_length=8, default="")
    template_code = models.CharField(_("template"), max_length=64)
    sent = models.PositiveIntegerField(
        _("sent"), default=0, help_text=_("Messages handed to the provider on the day.")
    )
    delivered = models.PositiveIntegerField(
        _("delivered"), default=0, help_text=_("Messages the provider reported delivered on the day.")
    )
    failed = models.PositiveIntegerField(
        _("failed"), default=0, help_text=_("Messages that ended failed on the day (the provider's error, after the retries).")
    )
    replied = models.PositiveIntegerField(
        _("replied"), default=0, help_text=_("Messages the borrower answered on the day (a STOP reply included).")
    )
    opted_out = models.PositiveIntegerField(
        _("opted out"), default=0, help_text=_("Of those replies, the ones that opted the number out (STOP, 退订...).")
    )
    refused = models.PositiveIntegerField(
        _("refused"), default=0,
        help_text=_("Messages asked for on the day that the compliance engine refused (or stopped before sending)."),
    )

    class Meta:
        verbose_name = _("messages (day)")
        verbose_name_plural = _("messages (day)")
        # One row per (date, channel, team, bucket, template) by construction (GROUP BY); the team may be empty.
        indexes = [models.Index(fields=["date", "team"], name="rpt_message_day_team_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.template_code}"
