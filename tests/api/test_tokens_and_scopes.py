"""Who gets in: integration tokens by scope; wrong, revoked and expired tokens and logged-in agents do not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from collections_app.models import Integration
from collections_app.models.integrations import token_digest
from collections_app.services.integrations import integration_revoke
from tests.api.conftest import CaseDebt, Clock, Dialer, dialer_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CALL_LIST = "/api/v1/dialer/call-list/"


def test_the_token_is_stored_only_as_its_digest(dialer: Dialer) -> None:
    stored = Integration.objects.get(pk=dialer.integration.pk)

    assert dialer.token not in {stored.token_hash, stored.token_prefix}
    assert stored.token_hash == token_digest(dialer.token)
    assert dialer.token.startswith(f"cw_{stored.token_prefix}_")


def test_a_dialer_token_reads_the_call_list(dialer: Dialer, debt: CaseDebt) -> None:
    assert dialer.get(CALL_LIST).status_code == 200


def test_no_token_is_401_with_the_scheme_to_use(dialer: Dialer) -> None:
    response = APIClient().get(CALL_LIST)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"message", "errors", "code"}


@pytest.mark.parametrize(
    "header",
    ["Token cw_000000000000_" + "x" * 43, "Token not-a-token", "Token", "Token a b"],
)
def test_a_wrong_token_is_401(dialer: Dialer, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(CALL_LIST)

    assert response.status_code == 401
    assert response.json()["code"] in {"token_invalid", "token_malformed"}


def test_a_token_with_a_changed_secret_is_401(dialer: Dialer) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {dialer.token[:-4]}AAAA")

    assert client.get(CALL_LIST).status_code == 401


def test_a_revoked_token_is_401_from_the_next_request_on(dialer: Dialer) -> None:
    assert dialer.get(CALL_LIST).status_code == 200

    integration_revoke(integration=dialer.integration)
    response = dialer.get(CALL_LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_an_expired_token_is_401(dialer: Dialer, clock: Clock) -> None:
    Integration.objects.filter(pk=dialer.integration.pk).update(expires_at=clock.at - dt.timedelta(seconds=1))

    response = dialer.get(CALL_LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_logged_in_agent_is_refused_on_dialer_endpoints(dialer: Dialer) -> None:
    agent = UserFactory(username="agent7")
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    client = APIClient()
    client.force_login(agent)

    assert client.get(CALL_LIST).status_code == 403
    assert client.get("/api/v1/dispositions/").status_code == 403
    assert client.get("/api/v1/dnc/").status_code == 403


def test_a_token_without_the_dialer_scope_is_403(dialer: Dialer) -> None:
    core = dialer_client("core-bank", kind=Integration.Kind.CORE_SYSTEM)

    response = core.get(CALL_LIST)

    assert response.status_code == 403
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_core_system_token_may_post_payments_and_a_dialer_token_may_not(dialer: Dialer) -> None:
    core = dialer_client("core-bank", kind=Integration.Kind.CORE_SYSTEM)
    payment = {"external_id": "P-none", "loan": "L-none", "amount": "10.00",
               "received_at": "2026-04-07T10:00:00Z", "channel": "auto_debit"}  # fmt: skip

    by_core = core.post("/api/v1/payments/", payment)
    by_dialer = dialer.post("/api/v1/payments/", payment)

    assert by_core.status_code == 400  # past the permission: the loan does not exist
    assert "loan" in str(by_core.json()["errors"])
    assert by_dialer.status_code == 403


def test_a_core_system_token_may_load_the_book(dialer: Dialer) -> None:
    core = dialer_client("core-bank", kind=Integration.Kind.CORE_SYSTEM)
    tape = {"borrowers": [{"external_id": "B9", "name": "Ann Lee", "national_id": "123456789", "country": "US",
                           "region": "NY", "postal_code": "10001", "language": "en",
                           "phones": [{"number": "+12125550199", "type": "mobile", "owner": "borrower"}]}],
            "loans": [], "payments": []}  # fmt: skip

    response = core.post("/api/v1/book/import/", tape)

    assert response.status_code == 200, response.json()
    assert "B9" in response.json()["borrowers"]


def test_over_the_rate_limit_is_429_with_retry_after(dialer: Dialer) -> None:
    cache.clear()
    Integration.objects.filter(pk=dialer.integration.pk).update(rate_limit_per_minute=3)

    statuses = [dialer.get(CALL_LIST).status_code for _ in range(4)]
    response = dialer.get(CALL_LIST)

    assert statuses == [200, 200, 200, 429]
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"


def test_the_rate_limit_is_per_token(dialer: Dialer) -> None:
    cache.clear()
    Integration.objects.filter(pk=dialer.integration.pk).update(rate_limit_per_minute=1)
    other = dialer_client("other-dialer")

    dialer.get(CALL_LIST)

    assert dialer.get(CALL_LIST).status_code == 429
    assert other.get(CALL_LIST).status_code == 200
