"""The QA score and the complaint rate per 10,000 contacts in the agent figures and the team roll-ups,
against the same figures restated from the complaints, the calls and the reviews themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collections_app.models import Complaint, ContactAttempt, QaReview, Scorecard
from collections_app.reports.jobs.agents import agent_day_aggregate, agent_month_aggregate
from collections_app.reports.selectors import ReportFilters
from collections_app.reports.selectors.agents import efficiency, efficiency_table
from collections_app.services.complaints import complaint_register
from collections_app.services.quality import qa_review_score, qa_sample_build
from tests.collections_app.complaint_fixtures import category
from tests.quality.quality_fixtures import TUESDAY, WEEK, QaFloor, call, calls, qa_floor_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

DAYS = [WEEK + dt.timedelta(days=n) for n in range(7)]


def plain(user_ids: set[int]) -> dict[str, Decimal | None]:
    """Complaints per 10,000 contacts and the mean review score of ``user_ids`` over the week, from the rows."""
    first, last = DAYS[0], DAYS[-1]
    contacts = [
        c for c in ContactAttempt.objects.filter(agent_id__in=user_ids, channel="call", direction="outbound")
        .exclude(status="not_dialed") if c.right_party_contact and first <= c.placed_at.date() <= last
    ]  # fmt: skip
    complaints = [c for c in Complaint.objects.filter(agent_id__in=user_ids) if first <= c.received_at.date() <= last]
    scores = [r.score for r in QaReview.objects.filter(agent_id__in=user_ids, status="scored")
              if r.scored_at and first <= r.scored_at.date() <= last]  # fmt: skip
    return {
        "complaint_rate": (Decimal(len(complaints)) * 10_000 / len(contacts)).quantize(Decimal("0.01")) if contacts else None,
        "qa_score": (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01")) if scores else None,
    }


@pytest.fixture(name="week")
def week_fixture(qa: QaFloor) -> QaFloor:
    """A week of calls; complaints about Ann (two) and Carl (one); every call reviewed, with Ann failing one."""
    Scorecard.objects.filter(pk=qa.scorecard.pk).update(sample_percent=100)
    ann = calls(qa.ann, qa.cases["ann"], 7) + calls(qa.ann, qa.cases["ann"], 5, at=TUESDAY + dt.timedelta(days=1))
    calls(qa.bob, qa.cases["bob"], 3)
    carl = calls(qa.carl, qa.cases["carl"], 4, at=TUESDAY + dt.timedelta(days=2))
    call(qa.ann, qa.cases["ann"], talk_seconds=0)  # no contact
    for case, attempt, day in ((qa.cases["ann"], ann[0], 0), (qa.cases["ann"], ann[8], 1), (qa.cases["carl"], carl[0], 2)):
        complaint_register(
            case=case, category=category("fees"), channel="call", description="Fees.", actor=qa.supervisor,
            received_at=TUESDAY + dt.timedelta(days=day, hours=1), attempts=[attempt], now=TUESDAY + dt.timedelta(days=3),
        )  # fmt: skip
    qa_sample_build(week=WEEK)
    codes = list(qa.scorecard.items.values_list("code", flat=True))
    for n, review in enumerate(QaReview.objects.order_by("pk")):
        given = dict.fromkeys(codes, "met")
        if n % 3 == 1:
            given["courtesy"] = "not_met"
        if n in (1, 2):  # Ann's second complaint call and Carl's: a critical item failed
            given["disclosure"] = "not_met"
        reviewer = qa.supervisor
        qa_review_score(review=review, reviewer=reviewer, answers=given, at=TUESDAY + dt.timedelta(days=n % 4, hours=5))
    for day in DAYS:
        agent_day_aggregate(day=day)
    agent_month_aggregate(month=dt.date(2026, 4, 1))
    return qa


def test_each_agents_qa_score_and_complaint_rate_match_their_definition(week: QaFloor) -> None:
    rows = {row.key: row for row in efficiency(ReportFilters(first=DAYS[0], last=DAYS[-1]), "agent")}

    for agent in (week.ann, week.bob, week.carl):
        row = rows[agent.user_id]
        assert {"complaint_rate": row.complaint_rate, "qa_score": row.qa_score} == plain({agent.user_id}), agent
    # the figures are not vacuous: Ann has complaints over 12 contacts, a failed critical item drags a score
    assert rows[week.ann.user_id].complaint_rate == (Decimal(2) * 10_000 / 12).quantize(Decimal("0.01"))
    assert rows[week.ann.user_id].qa_score is not None and rows[week.ann.user_id].qa_score < 100
    assert rows[week.bob.user_id].complaint_rate == Decimal("0.00")


def test_a_teams_figures_are_its_agents_together(week: QaFloor) -> None:
    teams = {row.key: row for row in efficiency(ReportFilters(first=DAYS[0], last=DAYS[-1]), "team")}

    one = teams[week.ann.team_id]
    assert {"complaint_rate": one.complaint_rate, "qa_score": one.qa_score} == plain({week.ann.user_id, week.bob.user_id})
    two = teams[week.carl.team_id]
    assert {"complaint_rate": two.complaint_rate, "qa_score": two.qa_score} == plain({week.carl.user_id})


def test_the_whole_month_read_from_its_roll_up_gives_the_same_figures(week: QaFloor) -> None:
    april = ReportFilters(first=dt.date(2026, 4, 1), last=dt.date(2026, 4, 30))
    rolled = {row.key: (row.qa_score, row.complaint_rate, row.sums["qa_failed"]) for row in efficiency(april, "agent")}

    from collections_app.models import ReportAgentMonth

    ReportAgentMonth.objects.all().delete()
    from_days = {row.key: (row.qa_score, row.complaint_rate, row.sums["qa_failed"]) for row in efficiency(april, "agent")}

    assert rolled == from_days
    assert rolled[week.ann.user_id][2] == QaReview.objects.filter(agent=week.ann.user, passed=False).count() > 0


def test_the_agents_table_shows_both_figures_with_their_definitions(week: QaFloor) -> None:
    table = efficiency_table(ReportFilters(first=DAYS[0], last=DAYS[-1]), "agent", "qa_score")
    columns = {column.key: column for column in table.columns}
    records = {record["name"]: record for record in table.as_records()}

    assert "10,000" in str(columns["complaint_rate"].definition) and "critical" in str(columns["qa_score"].definition)
    assert records["ann"]["complaints"] == 2
    assert records["ann"]["complaint_rate"] == str((Decimal(2) * 10_000 / 12).quantize(Decimal("0.01")))
    assert records["bob"]["qa_reviews"] == 3
