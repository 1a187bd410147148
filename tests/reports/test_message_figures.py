"""The messaging figures of the reports agree with the same figures counted here from the messages
themselves: sent, delivered, failed, replied, opted out and refused per day, channel, team, bucket
(the account's at the previous close of business) and template; the agents' messages sent beside their calls; the report page's table and its roll-up."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.test import Client

from accounts.models import CobRun, DelinquencySnapshot
from collections_app import roles
from collections_app.models import InboundMessage, Message, ReportAgentDay, ReportMessageDay
from collections_app.reports.jobs import MESSAGES, reports_aggregate_days, reports_aggregate_range
from collections_app.reports.selectors import ReportFilters
from collections_app.reports.selectors.messages import message_totals, message_totals_by_template
from collections_app.services.messages import message_create
from tests.factories import UserFactory, make_agent, make_team
from tests.messaging.conftest import MORNING, texting_debt

pytestmark = pytest.mark.django_db

DAY_ONE = MORNING.date()  # 2026-04-07 (the book's calendar is UTC in the tests)
DAYS = [DAY_ONE, DAY_ONE + dt.timedelta(days=1), DAY_ONE + dt.timedelta(days=2)]
# The closes of business before each day, and each account's bucket at them (M0 without a snapshot).
COBS = [DAY_ONE - dt.timedelta(days=1), DAY_ONE, DAY_ONE + dt.timedelta(days=1)]
BUCKETS = ["M1", "M2", "M3"]


def _messages() -> list[Message]:
    """Messages of two teams' agents and of no agent, by text and e-mail, in every state, their events
    spread over three days (some crossing midnight)."""
    roles.roles_ensure()
    agents = [make_agent(make_team("Team one", ["M1"]), "ann"), make_agent(make_team("Team two", ["M1"]), "carl")]
    chance = random.Random(17)
    for cob in COBS:
        CobRun.objects.create(date=cob, status=CobRun.Status.DONE, started_at=MORNING, finished_at=MORNING)
    made = []
    for n in range(24):
        agent = agents[n % 2] if n % 5 else None
        debt = texting_debt()
        if agent is not None:
            debt.case.agent, debt.case.team = agent, agent.team
            debt.case.save(update_fields=["agent", "team"])
        for cob in COBS:  # one account in three has no snapshot at some closes: it counts in M0
            if (n + cob.day) % 3:
                DelinquencySnapshot.objects.create(
                    date=cob, account=debt.case.account, dpd=40, bucket=chance.choice(BUCKETS), previous_bucket="M1",
                    overdue_amount=100, outstanding_balance=1000, status="active",
                )  # fmt: skip
        email = n % 3 == 0
        at = MORNING + dt.timedelta(hours=chance.choice([0, 10, 20, 30]))
        message = message_create(
            case=debt.case, template_code="pre_due_email" if email else "pre_due_sms",
            phone=None if email else debt.phone, email=debt.borrower.emails.get() if email else None,
            agent=agent.user if agent else None, at=at,
        ).message  # fmt: skip
        fate = chance.choice(["queued", "refused", "sent", "delivered", "failed", "replied", "stopped"])
        fields: dict[str, Any] = {"created_at": at}
        if fate == "refused":
            fields.update(status="refused")
        elif fate != "queued":
            sent = at + dt.timedelta(minutes=chance.choice([1, 300, 900]))
            fields.update(status="sent", sent_at=sent)
            later = sent + dt.timedelta(hours=chance.choice([0.1, 5, 14]))
            if fate == "delivered":
                fields.update(status="delivered", delivered_at=later)
            elif fate == "failed":
                fields.update(status="failed", failed_at=later)
            elif fate in ("replied", "stopped"):
                fields.update(status="replied", delivered_at=sent, replied_at=later)
                if fate == "stopped" and message.phone_id:
                    InboundMessage.objects.create(
                        integration="twilio", provider_message_id=f"in-{n}", phone_id=message.phone_id,
                        from_number="+10000000000", body="STOP", opt_out=True, received_at=later,
                    )  # fmt: skip
        Message.objects.filter(pk=message.pk).update(**fields)
        made.append(message)
    return list(Message.objects.select_related("case", "template").order_by("pk"))


def _bucket(account_id: int, day: dt.date) -> str:
    """The account's bucket at the last close of business before ``day``, M0 when it had no snapshot."""
    cob = max(c for c in COBS if c < day)
    snapshot = DelinquencySnapshot.objects.filter(date=cob, account_id=account_id).first()
    return snapshot.bucket if snapshot else "M0"


def expected(messages: list[Message]) -> Counter[tuple[Any, ...]]:
    """Each event on the UTC day it happened, keyed (day, channel, team, bucket, template, figure)."""
    stops = {(i.phone_id, i.received_at) for i in InboundMessage.objects.filter(opt_out=True)}
    counts: Counter[tuple[Any, ...]] = Counter()
    for m in messages:
        team = m.case.team_id if m.case else None
        events = {"sent": m.sent_at, "delivered": m.delivered_at, "replied": m.replied_at}
        if m.status == "failed":
            events["failed"] = m.failed_at
        if m.status == "refused":
            events["refused"] = m.created_at
        if m.replied_at and (m.phone_id, m.replied_at) in stops:
            events["opted_out"] = m.replied_at
        for figure, at in events.items():
            if at is not None:
                day = at.astimezone(dt.UTC).date()
                counts[(day, m.channel, team, _bucket(m.account_id, day), m.template.code, figure)] += 1
    return counts


def stored() -> Counter[tuple[Any, ...]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in ReportMessageDay.objects.all():
        for figure in ("sent", "delivered", "failed", "replied", "opted_out", "refused"):
            if getattr(row, figure):
                counts[(row.date, row.channel, row.team_id, row.bucket, row.template_code, figure)] += getattr(row, figure)
    return counts


def test_the_message_figures_are_the_messages_counted_by_day_channel_team_bucket_and_template() -> None:
    messages = _messages()
    assert {m.status for m in messages} >= {"refused", "sent", "delivered", "failed", "replied"}
    assert len({key[3] for key in expected(messages)}) >= 3  # several buckets, M0 among them

    reports_aggregate_days(days=DAYS, families=[MESSAGES])

    assert stored() == expected(messages)
    assert sum(r.opted_out for r in ReportMessageDay.objects.all()) >= 1
    # A second run (the nightly job after the intraday one) changes nothing.
    reports_aggregate_days(days=DAYS, families=[MESSAGES])
    assert stored() == expected(messages)


def test_the_report_reads_the_aggregates_per_day_channel_and_team_and_the_agents_count_their_messages() -> None:
    messages = _messages()
    reports_aggregate_range(first=DAYS[0], last=DAYS[-1])
    want = expected(messages)

    totals = message_totals(ReportFilters(first=DAYS[0], last=DAYS[-1]))

    by_day: Counter[tuple[Any, ...]] = Counter()
    for (day, channel, team_id, _bucket_code, _code, figure), count in want.items():
        team = {m.case.team_id: m.case.team.name for m in messages if m.case and m.case.team}.get(team_id, "")
        by_day[(day, channel, team, figure)] += count
    read = Counter({(day, channel, team, figure): n for day, channel, team, figures in totals for figure, n in figures.items() if n})
    assert read == by_day

    by_template: Counter[tuple[Any, ...]] = Counter()
    for (_day, channel, _team, bucket, code, figure), count in want.items():
        by_template[(code, bucket, channel, figure)] += count
    per_template = message_totals_by_template(ReportFilters(first=DAYS[0], last=DAYS[-1]))
    assert Counter(
        {(code, bucket, channel, figure): n for code, bucket, channel, figures in per_template for figure, n in figures.items() if n}
    ) == by_template
    in_m2 = message_totals_by_template(ReportFilters(first=DAYS[0], last=DAYS[-1], bucket="M2"))
    assert {bucket for _code, bucket, _channel, _figures in in_m2} == {"M2"}

    for agent_user in {m.agent for m in messages}:
        sent = sum(1 for m in messages if m.agent == agent_user and m.sent_at is not None)
        rows = ReportAgentDay.objects.filter(agent=agent_user)
        assert (rows.aggregate(n=Sum("messages_sent"))["n"] or 0) == sent, agent_user


def test_the_agents_page_shows_the_message_table() -> None:
    messages = _messages()
    reports_aggregate_range(first=DAYS[0], last=DAYS[-1])
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    client = Client()
    client.force_login(sue)

    page = client.get("/reports/agents/", {"first": DAYS[0].isoformat(), "last": DAYS[-1].isoformat()})
    csv = client.get("/reports/agents/", {"first": DAYS[0].isoformat(), "last": DAYS[-1].isoformat(), "export": "messages"})

    assert page.status_code == 200 and "Messages per day, channel and team" in page.content.decode()
    assert "Messages per template and bucket" in page.content.decode()
    assert "Messages sent" in page.content.decode()
    lines = csv.content.decode().strip().splitlines()
    sent = sum(1 for m in messages if m.sent_at is not None)
    assert sum(int(line.split(",")[3]) for line in lines[1:]) == sent
