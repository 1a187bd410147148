"""Unworked cases are visible: a supervisor sees how many open cases have no team or no agent and
lists them, ``manage.py assign`` reports them, and the demo's teams cover every bucket."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Bucket
from collections_app import roles
from collections_app.management.commands.demo_users import demo_users_ensure
from collections_app.models import AssignmentRecord, Case, Team
from tests.collections_app.extension_book import user_with_role
from tests.factories import LoanFactory, make_agent, make_open_cases, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    """M1 is served (one agent, capacity 1), M4 is not: 2 M1 cases (one finds no room), 3 M4 cases."""
    early = make_team("Early", ["M1"])
    ann = make_agent(early, "ann", capacity=1)
    make_open_cases([Decimal("100.00"), Decimal("90.00")], bucket="M1")
    make_open_cases([Decimal("500.00"), Decimal("400.00")], bucket="M4")
    cny = LoanFactory(currency="CNY", bucket="M4", dpd=100, overdue_amount=Decimal("3000.00"))
    Case.objects.create(account=cny, bucket="M4", dpd=100, overdue_amount=Decimal("3000.00"), opened_on="2026-03-01")
    return early, ann


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_assign_reports_the_cases_nobody_works_and_the_buckets_no_team_serves(book):
    out = io.StringIO()

    call_command("assign", stdout=out)

    text = out.getvalue()
    assert "Unworked: 4 open cases nobody works (M1 1, M4 3; 3,000.00 CNY, 990.00 USD overdue): " \
           "3 without a team, 1 without an agent." in text
    assert "No team serves M2, M3, M4, M5, M6, M6+: give a team these buckets, then assign again." in text


def test_assign_says_so_when_every_case_is_worked(book):
    early, _ann = book
    make_agent(early, "bob", capacity=5)
    make_team("Late", ["M2", "M3", "M4", "M5", "M6", "M6+"])
    make_agent(Team.objects.get(name="Late"), "cat", capacity=5)
    out = io.StringIO()

    call_command("assign", stdout=out)

    assert "Unworked: none; every open case has a team and an agent." in out.getvalue()


def test_a_supervisor_sees_the_count_per_bucket_and_the_list_and_assigns_from_it(book):
    call_command("assign", stdout=io.StringIO())
    early, _ann = book
    bob = make_agent(early, "bob", capacity=5)
    supervisor = client_for(user_with_role("sue", roles.SUPERVISOR))

    page = supervisor.get("/cases/unworked/").content.decode()

    summary = re.search(r'<table class="figures" id="unworked-summary">.*?</table>', page, re.S).group(0)
    m4 = re.search(r'<tr data-bucket="M4">.*?</tr>', summary, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', m4) == ["3", "0"]
    assert "3,000.00" in m4 and "CNY" in m4 and "900.00" in m4 and "USD" in m4
    assert page.count('<tr data-case="') == 4
    assert "No team serves M2, M3, M4, M5, M6, M6+" in page

    m4_ids = list(Case.objects.filter(bucket="M4").values_list("pk", flat=True))
    after = supervisor.post(
        "/cases/unworked/", {"action": "reassign", "agent": bob.pk, "cases": m4_ids, "reason": "no M4 team yet"},
        follow=True,
    ).content.decode()

    assert "3 cases updated." in after
    assert set(Case.objects.filter(pk__in=m4_ids).values_list("agent", flat=True)) == {bob.pk}
    notes = AssignmentRecord.objects.filter(case_id__in=m4_ids, reason="manual").values_list("note", flat=True)
    assert list(notes).count("no M4 team yet") == 3  # an encrypted note is read, not looked up
    assert after.count('<tr data-case="') == 1


def test_a_team_lead_sees_only_the_cases_of_their_teams_without_an_agent(book):
    call_command("assign", stdout=io.StringIO())
    early, _ann = book
    lee = user_with_role("lee", roles.TEAM_LEAD)
    early.lead = lee
    early.save()

    page = client_for(lee).get("/cases/unworked/").content.decode()

    assert page.count('<tr data-case="') == 1
    assert 'data-bucket="M4"' not in page


def test_the_unworked_list_reads_a_fixed_number_of_queries(book, django_assert_max_num_queries):
    call_command("assign", stdout=io.StringIO())
    supervisor = client_for(user_with_role("sue", roles.SUPERVISOR))
    supervisor.get("/cases/unworked/")
    make_open_cases([Decimal("10.00")] * 20, bucket="M5")

    with django_assert_max_num_queries(12):
        page = supervisor.get("/cases/unworked/").content.decode()

    assert page.count('<tr data-case="') == 24


def test_the_demo_teams_serve_every_delinquent_bucket(settings):
    settings.DEBUG = True

    demo_users_ensure(password="pw")

    served = set(Team.objects.values_list("buckets__code", flat=True))
    assert set(Bucket.objects.filter(min_dpd__gt=0).values_list("code", flat=True)) <= served
    assert all(team.agents.exists() for team in Team.objects.all())
