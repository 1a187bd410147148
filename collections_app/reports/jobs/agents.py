"""Agent, team and bucket efficiency per day (DESIGN.md section 9); weeks and months sum the days.

A row per (day, agent, team, bucket, currency of the loans worked: money is never added across
currencies). The day is a day of the book's calendar; the agent is the
user who placed the call, the agent credited with the promise, or the agent holding the case
(``Case.agent`` when the job runs: a backfill credits today's holder); the team is that agent's
team, else the case's; the bucket is the account's bucket at the previous close of business
(from its snapshot; an account in no snapshot was current), so a day's work is filed under the
bucket the agent saw in the queue. Figures and their denominators:

- attempts: outbound calls placed (reserved, completed or expired; not those released as not
  dialed); contacts: those with a right-party or third-party disposition (or marked right
  party); right-party contacts: marked right party. Contact rate = contacts / attempts;
  RPC rate = right-party contacts / attempts.
- talk time: talk seconds of every call of the day, inbound included; handled calls: calls with
  talk time; average handle time = talk time / handled calls.
- logged time (``ReportAgentShift``, per agent and day, not per bucket): from the first call
  placed to the end of the last call (there is no session log); attempts per logged hour =
  attempts / logged hours.
- promises (PTPs): promises made that day (not cancelled) and their amount; PTP rate = PTPs /
  right-party contacts. Promises due: the agent's promises judged that day (kept, partly kept,
  broken); kept rate = kept / promises due.
- amount collected: payments with a value date on the day on accounts whose case, open that
  day, the agent holds.
- messages sent: texts and e-mails handed to the provider on the day (``sent_at``), by the agent
  who asked for them (none: the automated ones), beside the calls.
- cure rate of assigned cases = cases cured (closed with DPD back to 0) / (cases held at the
  start of the period + cases opened during it): per day, the cases opened before the day and
  not closed before it, and the cases opened that day.

``ReportAgentMonth`` sums a calendar month's day rows (cases held: the first day's), so ranges of
whole months read a row per month; the intraday job refreshes the running month's too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Expression, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.calendar import day_bounds
from accounts.models import ZERO, DelinquencySnapshot, Payment
from collections_app.models import (
    Agent,
    Case,
    Complaint,
    ContactAttempt,
    DispositionCode,
    Message,
    PromiseToPay,
    QaReview,
    ReportAgentDay,
    ReportAgentMonth,
    ReportAgentShift,
)

from ..definitions import JUDGED, bucket_scale, next_month, previous_cob
from .rows import rows_replace

COUNT_FIELDS = (
    "attempts", "contacts", "right_party_contacts", "talk_seconds", "handled_calls", "ptps", "ptps_due",
    "ptps_kept", "ptps_partially_kept", "ptps_broken", "cases_open_at_start", "cases_opened", "cases_cured",
    "complaints", "qa_reviews", "qa_failed", "messages_sent",
)
MONEY_FIELDS = ("ptp_amount", "collected_amount")
SCORE_FIELDS = ("qa_score_total",)  # decimals that are not money: added across currencies
CONTACT_CATEGORIES = (DispositionCode.Category.RIGHT_PARTY, DispositionCode.Category.THIRD_PARTY)

Key = tuple[int | None, int | None, str, str]


def bucket_before(day: dt.date, account: str) -> Expression:
    """The bucket of ``account`` (an outer reference) at the last close of business before ``day``."""
    current = Value(bucket_scale().current)
    prev = previous_cob(day)
    if prev is None:
        return current
    snapshot = DelinquencySnapshot.objects.filter(date=prev, account_id=OuterRef(account)).values("bucket")[:1]
    return Coalesce(Subquery(snapshot), current)


def _calls(day: dt.date) -> Any:
    start, end = day_bounds(day)
    return ContactAttempt.objects.filter(
        channel=ContactAttempt.Channel.CALL, placed_at__gte=start, placed_at__lt=end
    ).exclude(status=ContactAttempt.Status.NOT_DIALED)


def agent_day_compute(day: dt.date) -> tuple[list[ReportAgentDay], list[ReportAgentShift]]:
    figures: dict[Key, dict[str, Any]] = defaultdict(
        lambda: {**dict.fromkeys(COUNT_FIELDS, 0), **dict.fromkeys(MONEY_FIELDS, ZERO), **dict.fromkeys(SCORE_FIELDS, ZERO)}
    )
    outbound = Q(direction=ContactAttempt.Direction.OUTBOUND)
    contact = Q(disposition__category__in=CONTACT_CATEGORIES) | Q(right_party_contact=True)
    calls = (
        _calls(day)
        .annotate(team_key=Coalesce(F("agent__agent__team_id"), F("case__team_id")), bucket_key=bucket_before(day, "account_id"))
        .values_list("agent_id", "team_key", "bucket_key", "account__currency")
        .annotate(
            attempts=Count("pk", filter=outbound),
            contacts=Count("pk", filter=outbound & contact),
            rpc=Count("pk", filter=outbound & Q(right_party_contact=True)),
            talk=Coalesce(Sum("talk_seconds"), 0),
            handled=Count("pk", filter=Q(talk_seconds__gt=0)),
        )
        .order_by()
    )
    for agent, team, bucket, currency, attempts, contacts, rpc, talk, handled in calls:
        row = figures[(agent, team, bucket, currency)]
        row["attempts"] += attempts
        row["contacts"] += contacts
        row["right_party_contacts"] += rpc
        row["talk_seconds"] += talk
        row["handled_calls"] += handled

    promise_team = Coalesce(F("agent__team_id"), F("case__team_id"))
    made = (
        PromiseToPay.objects.filter(made_on=day)
        .exclude(status=PromiseToPay.Status.CANCELLED)
        .annotate(team_key=promise_team, bucket_key=bucket_before(day, "account_id"))
        .values_list("agent__user_id", "team_key", "bucket_key", "account__currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for agent, team, bucket, currency, count, amount in made:
        figures[(agent, team, bucket, currency)]["ptps"] += count
        figures[(agent, team, bucket, currency)]["ptp_amount"] += amount or ZERO
    judged = (
        PromiseToPay.objects.filter(settled_on=day, status__in=JUDGED)
        .annotate(team_key=promise_team, bucket_key=bucket_before(day, "account_id"))
        .values_list("agent__user_id", "team_key", "bucket_key", "account__currency")
        .annotate(
            due=Count("pk"),
            kept=Count("pk", filter=Q(status=PromiseToPay.Status.KEPT)),
            partly=Count("pk", filter=Q(status=PromiseToPay.Status.PARTIALLY_KEPT)),
            broken=Count("pk", filter=Q(status=PromiseToPay.Status.BROKEN)),
        )
        .order_by()
    )
    for agent, team, bucket, currency, due, kept, partly, broken in judged:
        row = figures[(agent, team, bucket, currency)]
        row["ptps_due"] += due
        row["ptps_kept"] += kept
        row["ptps_partially_kept"] += partly
        row["ptps_broken"] += broken

    open_that_day = Q(opened_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    holder = Case.objects.filter(open_that_day, account_id=OuterRef("loan_id"), agent__isnull=False).order_by("-opened_on")
    collected = (
        Payment.objects.filter(value_date=day, status=Payment.Status.POSTED)
        .annotate(
            agent_key=Subquery(holder.values("agent__user_id")[:1]),
            team_key=Subquery(holder.annotate(t=Coalesce(F("agent__team_id"), F("team_id"))).values("t")[:1]),
            bucket_key=bucket_before(day, "loan_id"),
        )
        .filter(agent_key__isnull=False)
        .values_list("agent_key", "team_key", "bucket_key", "loan__currency")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for agent, team, bucket, currency, amount in collected:
        figures[(agent, team, bucket, currency)]["collected_amount"] += amount or ZERO

    held = (
        Case.objects.filter(open_that_day, agent__isnull=False)
        .annotate(team_key=Coalesce(F("agent__team_id"), F("team_id")), bucket_key=bucket_before(day, "account_id"))
        .values_list("agent__user_id", "team_key", "bucket_key", "account__currency")
        .annotate(
            at_start=Count("pk", filter=Q(opened_on__lt=day)),
            opened=Count("pk", filter=Q(opened_on=day)),
            cured=Count("pk", filter=Q(closed_on=day, close_reason=Case.CloseReason.CURED)),
        )
        .order_by()
    )
    for agent, team, bucket, currency, at_start, opened, cured in held:
        row = figures[(agent, team, bucket, currency)]
        row["cases_open_at_start"] += at_start
        row["cases_opened"] += opened
        row["cases_cured"] += cured

    start, end = day_bounds(day)
    complaints = (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(team_key=Coalesce(F("agent__agent__team_id"), F("case__team_id")), bucket_key=bucket_before(day, "account_id"))
        .values_list("agent_id", "team_key", "bucket_key", "account__currency")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for agent, team, bucket, currency, count in complaints:
        figures[(agent, team, bucket, currency)]["complaints"] += count
    reviews = (
        QaReview.objects.filter(status=QaReview.Status.SCORED, scored_at__gte=start, scored_at__lt=end)
        .annotate(bucket_key=bucket_before(day, "attempt__account_id"))
        .values_list("agent_id", "team_id", "bucket_key", "attempt__account__currency")
        .annotate(n=Count("pk"), total=Sum("score"), failed=Count("pk", filter=Q(passed=False)))
        .order_by()
    )
    for agent, team, bucket, currency, count, total, failed in reviews:
        row = figures[(agent, team, bucket, currency)]
        row["qa_reviews"] += count
        row["qa_score_total"] += total or ZERO
        row["qa_failed"] += failed

    messages = (
        Message.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .annotate(team_key=Coalesce(F("agent__agent__team_id"), F("case__team_id")), bucket_key=bucket_before(day, "account_id"))
        .values_list("agent_id", "team_key", "bucket_key", "account__currency")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for agent, team, bucket, currency, count in messages:
        figures[(agent, team, bucket, currency)]["messages_sent"] += count

    days = [
        ReportAgentDay(date=day, agent_id=agent, team_id=team, bucket=bucket, currency=currency, **values)
        for (agent, team, bucket, currency), values in sorted(figures.items(), key=lambda item: _sort_key(item[0]))
    ]
    teams = dict(Agent.objects.values_list("user_id", "team_id"))
    shifts = [
        ReportAgentShift(
            date=day, agent_id=agent, team_id=teams.get(agent), first_at=first, last_at=last,
            logged_seconds=int((last - first).total_seconds()), attempts=attempts,
        )
        for agent, first, last, attempts in _calls(day)
        .filter(agent__isnull=False)
        .values_list("agent_id")
        .annotate(
            first=Min("placed_at"),
            last=Max(Coalesce("ended_at", "placed_at")),
            attempts=Count("pk", filter=outbound),
        )
        .order_by("agent_id")
    ]
    return days, shifts


def _sort_key(key: Key) -> tuple[int, int, str, str]:
    agent, team, bucket, currency = key
    return (agent or 0, team or 0, bucket, currency)


def agent_month_aggregate(*, month: dt.date) -> int:
    """Replace the month roll-up of ``month`` from its day rows (cases held: the first day's)."""
    sums = {field: Sum(field) for field in (*COUNT_FIELDS, *MONEY_FIELDS, *SCORE_FIELDS) if field != "cases_open_at_start"}
    groups = (
        ReportAgentDay.objects.filter(date__gte=month, date__lt=next_month(month))
        .values_list("agent_id", "team_id", "bucket", "currency")
        .annotate(**sums, cases_open_at_start=Sum("cases_open_at_start", filter=Q(date=month)))
        .order_by("agent_id", "team_id", "bucket", "currency")
    )
    names = [*sums, "cases_open_at_start"]
    return rows_replace(
        ReportAgentMonth,
        where={"month": month},
        rows=(
            ReportAgentMonth(
                month=month, agent_id=agent, team_id=team, bucket=bucket, currency=currency,
                **{name: value if value is not None else 0 for name, value in zip(names, values, strict=True)},
            )
            for agent, team, bucket, currency, *values in groups
        ),
    )


@transaction.atomic
def agent_day_aggregate(*, day: dt.date) -> int:
    """Replace the efficiency rows of ``day`` (intraday for today: the figures so far)."""
    days, shifts = agent_day_compute(day)
    return rows_replace(ReportAgentDay, where={"date": day}, rows=days) + rows_replace(
        ReportAgentShift, where={"date": day}, rows=shifts
    )
