from __future__ import annotations

import pytest
from django.urls import reverse

from collections_app import roles
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_login_page_asks_for_a_username_and_password(client):
    page = client.get(reverse("login")).content.decode()

    assert 'name="username"' in page
    assert 'name="password"' in page
    assert "/static/vendor/htmx/htmx.min.js" in page


def test_a_supervisor_who_logs_in_lands_on_todays_board(client, user_with_role):
    user_with_role(roles.SUPERVISOR, username="sue")

    response = client.post(reverse("login"), {"username": "sue", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("today")
    assert response.context["user"].username == "sue"


def test_a_wrong_password_keeps_the_visitor_out_with_a_message(client, user_with_role):
    user_with_role(roles.SUPERVISOR, username="sue")

    response = client.post(reverse("login"), {"username": "sue", "password": "not-it"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_logging_out_ends_the_session(client, client_as):
    client = client_as(roles.SUPERVISOR)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("portfolio")).status_code == 302


def test_the_login_page_is_translated_to_simplified_chinese(client):
    page = client.get(reverse("login"), headers={"accept-language": "zh-hans"}).content.decode()

    assert "登录" in page
    assert "用户名" in page
