"""Messages per day, channel, team, bucket and template (DESIGN.md 9 and 15).

Each event is counted on the day of the book's calendar it happened, from the message's own
instants: sent (``sent_at``: handed to the provider), delivered (``delivered_at``), failed
(``failed_at`` of a message that ended ``failed``), replied (``replied_at``), opted out (a reply that
was an opt-out: the STOP reply kept at the instant the message was marked replied), refused
(``created_at`` of a message the engine refused, or stopped before sending). The team is the one
holding the message's case (none without a case); the bucket is the account's at the previous close
of business before the day (``agents.bucket_before``: the bucket the agent saw in the queue, the
same as the agents' figures); the template is its code. Delivered, failed and
replied rates are over sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from accounts.calendar import day_bounds
from collections_app.models import InboundMessage, Message, ReportMessageDay

from .agents import bucket_before
from .rows import rows_replace

FIGURES = ("sent", "delivered", "failed", "replied", "opted_out", "refused")
Key = tuple[str, int | None, str, str]  # channel, team, bucket, template


def message_day_compute(day: dt.date) -> list[ReportMessageDay]:
    start, end = day_bounds(day)

    def on_day(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    stop_reply = InboundMessage.objects.filter(
        opt_out=True, phone_id=OuterRef("phone_id"), received_at=OuterRef("replied_at")
    )
    groups = (
        Message.objects.filter(
            on_day("sent_at") | on_day("delivered_at") | on_day("failed_at") | on_day("replied_at") | on_day("created_at")
        )
        .annotate(stopped=Exists(stop_reply), bucket_key=bucket_before(day, "account_id"))
        .values_list("channel", "case__team_id", "bucket_key", "template__code")
        .annotate(
            sent=Count("pk", filter=on_day("sent_at")),
            delivered=Count("pk", filter=on_day("delivered_at")),
            failed=Count("pk", filter=on_day("failed_at") & Q(status=Message.Status.FAILED)),
            replied=Count("pk", filter=on_day("replied_at")),
            opted_out=Count("pk", filter=on_day("replied_at") & Q(stopped=True)),
            refused=Count("pk", filter=on_day("created_at") & Q(status=Message.Status.REFUSED)),
        )
        .order_by()
    )
    figures: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for channel, team, bucket, code, *counts in groups:
        row = figures[(channel, team, bucket, code)]
        for name, count in zip(FIGURES, counts, strict=True):
            row[name] += count
    return [
        ReportMessageDay(date=day, channel=channel, team_id=team, bucket=bucket, template_code=code, **values)
        for (channel, team, bucket, code), values in sorted(figures.items(), key=_sort_key)
        if any(values.values())
    ]


def _sort_key(item: tuple[Key, Any]) -> tuple[str, int, str, str]:
    (channel, team, bucket, code), _values = item
    return (channel, team or 0, bucket, code)


def message_day_aggregate(*, day: dt.date) -> int:
    """Replace the message rows of ``day`` (intraday for today: the figures so far)."""
    return rows_replace(ReportMessageDay, where={"date": day}, rows=message_day_compute(day))
