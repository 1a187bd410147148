"""The top bar by role: every screen a role opens without an id in its address (its boards, lists and
logs) is on the bar or under its "More", and every link there opens (never a 403): a supervisor reaches
the strategies and the message log from any page, not only from Today (issue 15)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from collections_app import roles
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.django_db

BAR = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
MORE = re.compile(r'<div class="nav-more-menu">(.*?)</div>', re.S)
HREF = re.compile(r'<a href="([^"]+)"')

# The screens of each role that take no id (a case's, an agent's, a review's pages are reached from them).
SCREENS = {
    roles.AGENT: {"/queue/", "/promises/", "/promises/pipeline/", "/search/", "/complaints/mine/", "/reviews/",
                  "/messages/"},
    roles.TEAM_LEAD: {"/today/", "/search/", "/teams/", "/promise-board/", "/promises/pipeline/",
                      "/extensions/approvals/", "/complaints/", "/reviews/", "/portfolio/", "/reports/",
                      "/cases/unworked/", "/messages/"},
    roles.SUPERVISOR: {"/today/", "/search/", "/teams/", "/promise-board/", "/promises/pipeline/",
                       "/extensions/approvals/", "/complaints/", "/reviews/", "/portfolio/", "/reports/",
                       "/cases/unworked/", "/messages/", "/strategies/"},
    roles.ADMINISTRATOR: {"/teams/", "/promise-board/", "/promises/pipeline/", "/portfolio/", "/reports/",
                          "/cases/unworked/", "/messages/"},
    roles.ANALYST: {"/search/", "/promise-board/", "/promises/pipeline/", "/portfolio/", "/reports/",
                    "/cases/unworked/", "/messages/"},
}  # fmt: skip


def bar_of(client: Client, path: str = "/search/") -> tuple[list[str], list[str]]:
    html = client.get(path).content.decode()
    bar = BAR.search(html)
    assert bar is not None, path
    more = MORE.search(bar.group(0))
    under_more = HREF.findall(more.group(1)) if more else []
    return [href for href in HREF.findall(bar.group(0)) if href not in under_more], under_more


@pytest.mark.parametrize("role", sorted(SCREENS))
def test_every_screen_of_the_role_is_on_the_bar_or_under_more_and_opens(role: str):
    team = make_team("Early", ["M1"])
    client = Client()
    if role == roles.AGENT:
        client.force_login(make_agent(team, "ann").user)
    else:
        client.force_login(user_with_role(f"the-{role}", role))
    roles.roles_ensure()

    main, more = bar_of(client, "/reports/" if role in roles.PORTFOLIO_ROLES else "/reviews/")

    assert set(main) | set(more) == SCREENS[role]
    assert not set(main) & set(more)
    for href in main + more:
        assert client.get(href, follow=True).status_code == 200, (role, href)


def test_a_supervisor_finds_the_strategies_and_the_messages_under_more_on_any_page():
    roles.roles_ensure()
    client = Client()
    client.force_login(user_with_role("sue", roles.SUPERVISOR))

    for path in ("/today/", "/portfolio/", "/teams/", "/strategies/"):
        _main, more = bar_of(client, path)
        assert {"/strategies/", "/messages/"} <= set(more), path


def test_only_staff_find_the_admin_under_more():
    roles.roles_ensure()
    sue, sam = user_with_role("sue", roles.SUPERVISOR), user_with_role("sam", roles.SUPERVISOR)
    sam.is_staff = True
    sam.save()
    for user, sees_admin in ((sue, False), (sam, True)):
        client = Client()
        client.force_login(user)
        _main, more = bar_of(client)
        assert ("/admin/" in more) is sees_admin


def test_the_page_open_is_marked_once_the_pipeline_not_my_promises():
    roles.roles_ensure()
    client = Client()
    client.force_login(make_agent(make_team("Early", ["M1"]), "ann").user)

    html = client.get("/promises/pipeline/").content.decode()

    bar = BAR.search(html).group(0)  # type: ignore[union-attr]
    assert re.findall(r'<a href="([^"]+)" class="active" aria-current="page"', bar) == ["/promises/pipeline/"]
    assert '<details class="nav-more active">' in bar
