"""The messaging figures of the reports: messages sent, delivered, failed, replied, opted out and refused
per day, channel and team, and per template and bucket over the period, read from ``ReportMessageDay`` only
(DESIGN.md 9 and 15)."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from collections_app.models import ReportMessageDay

from ..tables import COUNT, DATE, RATE, TEXT, Column, Rate, Table
from .scope import DEFINITIONS, ReportFilters

FIGURES = ("sent", "delivered", "failed", "replied", "opted_out", "refused")
CHANNELS = {"sms": _("SMS"), "email": _("Email")}


def _figure_columns() -> list[Column]:
    """The figures' columns both message tables end with, in the order of ``_figure_cells``."""
    return [
        Column("sent", _("Sent"), COUNT, DEFINITIONS["message_sent"]),
        Column("delivered", _("Delivered"), COUNT, DEFINITIONS["message_delivered"]),
        Column("delivered_rate", _("Delivered rate"), RATE, DEFINITIONS["message_delivered"]),
        Column("failed", _("Failed"), COUNT, DEFINITIONS["message_failed"]),
        Column("replied", _("Replied"), COUNT, DEFINITIONS["message_replied"]),
        Column("opted_out", _("Opted out"), COUNT, DEFINITIONS["message_opted_out"]),
        Column("refused", _("Refused"), COUNT, DEFINITIONS["message_refused"]),
    ]


def _figure_cells(counts: dict[str, int]) -> list[object]:
    """One row's cells under ``_figure_columns``: the counts, and the delivered rate after delivered."""
    return [
        counts["sent"], counts["delivered"], Rate(counts["delivered"], counts["sent"]), counts["failed"],
        counts["replied"], counts["opted_out"], counts["refused"],
    ]  # fmt: skip


def _channel_name(channel: str) -> str:
    return str(CHANNELS.get(channel, channel))


def _scoped(filters: ReportFilters) -> QuerySet[ReportMessageDay]:
    rows = ReportMessageDay.objects.filter(date__gte=filters.first, date__lte=filters.last)
    if filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    elif filters.team_ids is not None:
        rows = rows.filter(team_id__in=filters.team_ids)
    if filters.bucket:
        rows = rows.filter(bucket=filters.bucket)
    return rows


def message_totals(filters: ReportFilters) -> list[tuple[object, str, str, dict[str, int]]]:
    """(day, channel, team name, figures) for every day, channel and team with any message, oldest first."""
    groups = (
        _scoped(filters)
        .values_list("date", "channel", "team__name")
        .annotate(**{name: Sum(name) for name in FIGURES})
        .order_by("date", "channel", "team__name")
    )
    return [(day, channel, team or "", dict(zip(FIGURES, counts, strict=True))) for day, channel, team, *counts in groups]


def message_table(filters: ReportFilters) -> Table:
    table = Table(
        id="messages",
        title=_("Messages per day, channel and team"),
        columns=[
            Column("date", _("Date"), DATE),
            Column("channel", _("Channel"), TEXT),
            Column("team", _("Team"), TEXT),
            *_figure_columns(),
        ],
    )
    for day, channel, team, counts in message_totals(filters):
        table.add(day, _channel_name(channel), team or str(_("No team")), *_figure_cells(counts))
    return table


def message_totals_by_template(filters: ReportFilters) -> list[tuple[str, str, str, dict[str, int]]]:
    """(template, bucket, channel, figures) over the whole period, for every template and bucket with any message."""
    groups = (
        _scoped(filters)
        .values_list("template_code", "bucket", "channel")
        .annotate(**{name: Sum(name) for name in FIGURES})
        .order_by("template_code", "bucket", "channel")
    )
    return [(code, bucket, channel, dict(zip(FIGURES, counts, strict=True))) for code, bucket, channel, *counts in groups]


def message_template_table(filters: ReportFilters) -> Table:
    table = Table(
        id="messages_by_template",
        title=_("Messages per template and bucket"),
        columns=[
            Column("template", _("Template"), TEXT),
            Column("bucket", _("Bucket"), TEXT),
            Column("channel", _("Channel"), TEXT),
            *_figure_columns(),
        ],
    )
    for code, bucket, channel, counts in message_totals_by_template(filters):
        table.add(code, bucket or "-", _channel_name(channel), *_figure_cells(counts))
    return table
