"""Guessing passwords and tokens: django-axes locks a username on one computer after AXES_FAILURE_LIMIT
wrong passwords; integration tokens are refused alike whatever was guessed, and rate limited per token."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from collections_app import roles
from collections_app.models import Integration
from collections_app.services.integrations import integration_create
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT
CALL_LIST = "/api/v1/dialer/call-list/"


def log_in(client: Client, username: str, password: str, *, url: str = "/login/", **extra: Any) -> Any:
    return client.post(url, {"username": username, "password": password}, **extra)


def fail_to_the_limit(client: Client, username: str, **extra: Any) -> list[int]:
    return [log_in(client, username, "not-it", **extra).status_code for _ in range(LIMIT)]


@pytest.fixture
def sue(user_with_role: Any) -> Any:
    return user_with_role(roles.SUPERVISOR, username="sue")


def test_after_the_failure_limit_even_the_right_password_gets_the_lockout_page(client: Client, sue: Any) -> None:
    statuses = fail_to_the_limit(client, "sue")

    response = log_in(client, "sue", PASSWORD)

    assert statuses == [200] * (LIMIT - 1) + [429]  # the last wrong guess already locks
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert f"After {LIMIT} wrong passwords this account is locked on this computer for 15 minutes." in page
    assert client.get(reverse("portfolio")).status_code == 302  # not logged in


def test_the_lockout_page_speaks_chinese(client: Client, sue: Any) -> None:
    fail_to_the_limit(client, "sue")

    page = log_in(client, "sue", PASSWORD, headers={"accept-language": "zh-hans"}).content.decode()

    assert "登录失败次数过多" in page


def test_another_user_on_the_same_computer_still_logs_in(client: Client, sue: Any, user_with_role: Any) -> None:
    user_with_role(roles.AGENT, username="ann")
    fail_to_the_limit(client, "sue")

    response = log_in(client, "ann", PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # logged in: sent on to her queue
    assert client.get(reverse("promises")).status_code == 200


def test_the_lock_holds_one_username_on_one_address(sue: Any) -> None:
    fail_to_the_limit(Client(), "sue", REMOTE_ADDR="198.51.100.7")

    elsewhere = log_in(Client(), "sue", PASSWORD, REMOTE_ADDR="198.51.100.8")

    assert elsewhere.status_code == 302


def test_the_admin_login_is_throttled_alike(client: Client, sue: Any) -> None:
    statuses = [log_in(client, "sue", "not-it", url="/admin/login/").status_code for _ in range(LIMIT)]

    response = log_in(client, "sue", PASSWORD, url="/admin/login/")

    assert statuses[-1] == 429
    assert response.status_code == 429


def test_a_good_login_before_the_limit_starts_the_count_again(client: Client, sue: Any) -> None:
    for _ in range(LIMIT - 1):
        log_in(client, "sue", "not-it")
    assert log_in(client, "sue", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    statuses = [log_in(client, "sue", "not-it").status_code for _ in range(LIMIT - 1)]

    assert statuses == [200] * (LIMIT - 1)
    assert log_in(client, "sue", PASSWORD).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(client: Client, sue: Any) -> None:
    fail_to_the_limit(client, "sue")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))

    assert log_in(client, "sue", PASSWORD).status_code == 302


# Behind a load balancer, and one password over many usernames ------------------------------------

BALANCER = "10.0.0.2"


def via_balancer(client_address: str, forged: str = "") -> dict[str, str]:
    """A request as the load balancer hands it on: from its own address, the client's appended."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.parametrize("trusted", [0, 1])
def test_behind_the_balancer_one_client_cannot_lock_a_user_out_for_everyone(
    sue: Any, trusted: int, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = trusted
    fail_to_the_limit(Client(), "sue", **via_balancer("203.0.113.5"))

    from_her_desk = log_in(Client(), "sue", PASSWORD, **via_balancer("198.51.100.8"))

    # Without a trusted proxy configured every client has the balancer's address: she is locked out.
    assert from_her_desk.status_code == (302 if trusted else 429)


def test_a_forged_forwarded_address_does_not_escape_the_lock(sue: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        log_in(Client(), "sue", "not-it", **via_balancer("203.0.113.5", forged=f"192.0.2.{n}"))

    again = log_in(Client(), "sue", PASSWORD, **via_balancer("203.0.113.5", forged="192.0.2.200"))

    assert again.status_code == 429


def test_one_password_sprayed_over_many_usernames_locks_the_address(user_with_role: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    user_with_role(roles.AGENT, username="ann")
    sprayer = via_balancer("203.0.113.9")
    statuses = [log_in(Client(), f"user{n}", "Summer2026!", **sprayer).status_code for n in range(12)]

    from_the_sprayer = log_in(Client(), "ann", PASSWORD, **sprayer)
    from_elsewhere = log_in(Client(), "ann", PASSWORD, **via_balancer("198.51.100.8"))

    assert statuses == [200] * 11 + [429]  # no username reached its own limit of 5
    assert from_the_sprayer.status_code == 429
    assert "Too many wrong passwords came from this address" in from_the_sprayer.content.decode()
    assert from_elsewhere.status_code == 302


def test_a_floor_sharing_one_address_is_not_locked_by_a_few_typos(user_with_role: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    floor = via_balancer("203.0.113.20")
    for name in ("ann", "bob", "cat", "dan"):
        user_with_role(roles.AGENT, username=name)
        for _ in range(LIMIT - 2):
            log_in(Client(), name, "typo", **floor)

    answers = [log_in(Client(), name, PASSWORD, **floor).status_code for name in ("ann", "bob", "cat", "dan")]

    assert answers == [302] * 4


# Integration tokens ---------------------------------------------------------------------------


def token_client(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def refusal(response: Any) -> tuple[int, Any, str | None]:
    return response.status_code, response.json(), response.headers.get("WWW-Authenticate")


def test_a_guessed_token_is_refused_alike_whether_or_not_its_prefix_exists(db: None) -> None:
    _integration, token = integration_create(name="acme-dialer")
    prefix = token.split("_")[1]
    guesses = [
        f"cw_{prefix}_{secrets.token_urlsafe(32)}",  # a real prefix, a wrong secret
        f"cw_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",  # nobody's prefix
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character off
        "cw_" + "0" * 12 + "_" + "x" * 43,
        "not-a-token",
    ]

    answers = [refusal(token_client(f"Token {guess}").get(CALL_LIST)) for guess in guesses]

    assert answers == [(401, {"message": "Invalid token.", "errors": {}, "code": "token_invalid"}, "Token")] * 5


def test_guessing_tokens_does_not_lock_out_the_real_one(db: None) -> None:
    cache.clear()
    _integration, token = integration_create(name="acme-dialer", rate_limit_per_minute=5)
    prefix = token.split("_")[1]

    guesses = {token_client(f"Token cw_{prefix}_{secrets.token_urlsafe(32)}").get(CALL_LIST).status_code
               for _ in range(20)}  # fmt: skip

    assert guesses == {401}
    assert token_client(f"Token {token}").get(CALL_LIST).status_code == 200


def test_a_token_over_its_rate_limit_is_429_and_other_tokens_are_not(db: None) -> None:
    cache.clear()
    _busy, busy_token = integration_create(name="busy-dialer", rate_limit_per_minute=3)
    _calm, calm_token = integration_create(name="calm-dialer")
    busy = token_client(f"Token {busy_token}")

    statuses = [busy.get(CALL_LIST).status_code for _ in range(4)]
    throttled = busy.get(CALL_LIST)

    assert statuses == [200, 200, 200, 429]
    assert throttled.json()["code"] == "throttled"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert token_client(f"Token {calm_token}").get(CALL_LIST).status_code == 200


def test_the_vicidial_url_token_is_refused_alike_and_rate_limited_too(db: None) -> None:
    cache.clear()
    _vicidial, token = integration_create(name="vicidial", rate_limit_per_minute=2)
    url = "/api/v1/integrations/vicidial/dispo/"
    client = APIClient()

    wrong = client.get(url, {"token": f"cw_{token.split('_')[1]}_{secrets.token_urlsafe(32)}", "call_id": "V1"})
    statuses = [client.get(url, {"token": token, "call_id": "V1"}).status_code for _ in range(3)]

    assert refusal(wrong) == (401, {"message": "Invalid token.", "errors": {}, "code": "token_invalid"}, "Token")
    assert statuses == [400, 400, 429]  # past the token: the adapter wants its other fields
    assert Integration.objects.get(name="vicidial").is_active
