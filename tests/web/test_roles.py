from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from collections_app import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_becomes_a_group_and_running_it_again_changes_nothing():
    roles.roles_ensure()
    first = {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}

    roles.roles_ensure()
    second = {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}

    assert set(first) == set(roles.ROLES)
    assert first == second


def test_an_agent_may_read_cases_but_not_change_teams_while_a_supervisor_may():
    groups = roles.roles_ensure()
    agent = set(groups[roles.AGENT].permissions.values_list("codename", flat=True))
    supervisor = set(groups[roles.SUPERVISOR].permissions.values_list("codename", flat=True))

    assert "view_case" in agent
    assert "change_team" not in agent
    assert "change_team" in supervisor
    assert "view_bucketdailytotal" in supervisor


def test_an_analyst_only_reads():
    analyst = roles.roles_ensure()[roles.ANALYST]

    codenames = set(analyst.permissions.values_list("codename", flat=True))

    assert codenames
    assert all(codename.startswith("view_") for codename in codenames)


def test_a_permission_granted_by_hand_survives_another_run():
    group = roles.roles_ensure()[roles.AGENT]
    extra = Permission.objects.get(codename="change_phone")
    group.permissions.add(extra)

    roles.roles_ensure()

    assert group.permissions.filter(pk=extra.pk).exists()


def test_a_user_has_the_roles_of_their_groups_and_a_superuser_counts_as_administrator():
    groups = roles.roles_ensure()
    lead = UserFactory(username="lead")
    lead.groups.add(groups[roles.TEAM_LEAD])
    root = UserFactory(username="root", is_superuser=True)

    assert roles.user_has_role(lead, roles.TEAM_LEAD, roles.SUPERVISOR)
    assert not roles.user_has_role(lead, roles.SUPERVISOR)
    assert roles.user_has_role(root, roles.ADMINISTRATOR)
    assert not roles.user_has_role(root, roles.AGENT)


def test_an_anonymous_user_has_no_role():
    assert roles.user_roles(AnonymousUser()) == frozenset()
