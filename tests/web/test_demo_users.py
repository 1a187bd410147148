from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from collections_app import roles
from collections_app.models import Agent, Case, Team
from tests.collections_app.promise_book import make_case

pytestmark = pytest.mark.django_db


def run_demo_users(**options: object) -> str:
    out = StringIO()
    call_command("demo_users", stdout=out, **options)
    return out.getvalue()


def test_it_prints_one_login_per_role_with_the_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "Sesame-2026")

    output = run_demo_users()

    for username, role in [("agent1", "agent"), ("agent2", "agent"), ("lead1", "team_lead"),
                           ("supervisor1", "supervisor"), ("admin1", "administrator"), ("analyst1", "analyst")]:
        assert any(username in line and role in line and "Sesame-2026" in line for line in output.splitlines())
    assert get_user_model().objects.get(username="supervisor1").check_password("Sesame-2026")


def test_without_demo_password_it_uses_and_prints_the_default(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    output = run_demo_users()

    assert "demo-pass-2026" in output
    assert get_user_model().objects.get(username="agent1").check_password("demo-pass-2026")


def test_running_it_twice_gives_the_same_users_teams_and_agents(settings):
    settings.DEBUG = True
    run_demo_users()
    counts = (get_user_model().objects.count(), Team.objects.count(), Agent.objects.count())

    run_demo_users()

    assert (get_user_model().objects.count(), Team.objects.count(), Agent.objects.count()) == counts


def test_the_demo_teams_serve_their_buckets_and_the_agents_belong_to_them(settings):
    settings.DEBUG = True

    run_demo_users()

    m1 = Team.objects.get(name="M1 Team")
    assert set(m1.buckets.values_list("code", flat=True)) == {"M1"}
    assert set(Team.objects.get(name="M2-M3 Team").buckets.values_list("code", flat=True)) == {"M2", "M3"}
    assert Agent.objects.get(user__username="agent1").team == m1
    assert m1.lead.username == "lead1"
    admin = get_user_model().objects.get(username="admin1")
    assert admin.is_staff and not admin.is_superuser
    assert roles.user_has_role(get_user_model().objects.get(username="analyst1"), roles.ANALYST)


def test_it_refuses_to_make_known_passwords_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        run_demo_users()

    assert not get_user_model().objects.filter(username="admin1").exists()


def _demo_administrator(settings: object) -> Client:
    settings.DEBUG = True  # type: ignore[attr-defined]
    run_demo_users()
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin1"))
    return client


def test_the_demo_administrator_holds_exactly_the_administrator_roles_permissions(settings):
    get_user_model().objects.create_superuser("admin1", password="was-a-superuser-once")  # an older demo

    _demo_administrator(settings)

    admin = get_user_model().objects.get(username="admin1")
    group = Group.objects.get(name=roles.ADMINISTRATOR)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert not admin.is_superuser
    assert roles.user_roles(admin) == {roles.ADMINISTRATOR}
    assert admin.get_all_permissions() == granted


def test_the_demo_administrator_moves_no_case_puts_no_agent_on_leave_and_opens_no_lockout(settings):
    client = _demo_administrator(settings)
    agent = Agent.objects.get(user__username="agent1")
    case = make_case(agent)

    assign = client.post(f"/api/v1/cases/{case.pk}/assign/", {"agent": "agent2", "lock": True},
                         content_type="application/json")  # fmt: skip
    lock = client.post(f"/teams/{agent.team_id}/", {"action": "lock", "cases": case.pk, "reason": "demo"})
    leave = client.post(f"/agents/{agent.pk}/leave/", {"leave_from": "2026-03-02", "leave_to": "2026-03-06"})
    lockouts = client.get("/admin/axes/accessattempt/")

    assert (assign.status_code, lock.status_code, leave.status_code, lockouts.status_code) == (403, 403, 403, 403)
    assert assign.json()["code"] == "permission_denied"
    case.refresh_from_db()
    agent.refresh_from_db()
    assert (case.agent_id, case.locked) == (agent.pk, False)
    assert (agent.leave_from, agent.leave_to) == (None, None)
    assert not Case.objects.exclude(agent=agent).exists()
