"""The report filters' date inputs hold the dates the figures are for, in the one form a browser's
date input takes (YYYY-MM-DD), whatever the page's language (defect: in Chinese they were always empty)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from collections_app import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def date_inputs(html: str) -> dict[str, str]:
    """name -> value of every ``<input type="date">`` of the page ("" when it has no value)."""
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"date\"[^>]*>", html):
        name = re.search(r'name="(\w+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        found[name] = value.group(1) if value else ""
    return found


@pytest.fixture
def supervisor_client(client, book):
    user = UserFactory(username="sue")
    user.groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("page", ["report-portfolio", "report-forecast", "report-agents", "report-promises"])
def test_the_date_filters_show_the_period_of_the_figures_in_both_languages(supervisor_client, language, page):
    supervisor_client.cookies["django_language"] = language

    html = supervisor_client.get(reverse(page)).content.decode()

    assert date_inputs(html) == {"first": "2025-11-01", "last": "2026-04-30"}


def test_choosing_a_matrix_month_keeps_the_dates_shown(supervisor_client):
    supervisor_client.cookies["django_language"] = "zh-hans"

    html = supervisor_client.get(reverse("report-portfolio"), {"month": "2026-02"}).content.decode()

    assert date_inputs(html) == {"first": "2025-11-01", "last": "2026-04-30"}


def test_dates_typed_in_chinese_are_read_and_shown_back(supervisor_client):
    supervisor_client.cookies["django_language"] = "zh-hans"

    html = supervisor_client.get(reverse("report-portfolio"), {"first": "2026-02-01", "last": "2026-03-31"}).content.decode()

    assert date_inputs(html) == {"first": "2026-02-01", "last": "2026-03-31"}
    assert "2026-02-01" in html and "2026-03-31" in html
