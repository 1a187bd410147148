from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from collections_app import roles
from collections_app.models import Agent, Team

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
    assert admin.is_staff and admin.is_superuser
    assert roles.user_has_role(get_user_model().objects.get(username="analyst1"), roles.ANALYST)


def test_it_refuses_to_make_known_passwords_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        run_demo_users()

    assert not get_user_model().objects.filter(username="admin1").exists()
