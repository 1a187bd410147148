"""``POST /api/v1/book/import/`` and ``POST /api/v1/payments/``: administrators only, the documented answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from collections_app.api.book.permissions import IsAdministrator
from collections_app.api.book.views import BookImportView
from tests.fixtures.tapes import payment, sample_tape, table_counts

pytestmark = pytest.mark.django_db

BOOK_URL = "/api/v1/book/import/"
PAYMENTS_URL = "/api/v1/payments/"


def _client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def administrator() -> User:
    user = User.objects.create_user("admin1", password="pw-secret-123")
    user.groups.add(Group.objects.get_or_create(name="administrator")[0])
    return user


@pytest.fixture
def admin_client(administrator: User) -> APIClient:
    return _client(administrator)


@pytest.fixture
def book(admin_client: APIClient) -> None:
    assert admin_client.post(BOOK_URL, sample_tape(payments=False), format="json").status_code == 200


def test_an_administrator_loads_the_book_and_gets_the_id_map(admin_client):
    # when
    response = admin_client.post(BOOK_URL, sample_tape(), format="json")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body["borrowers"]) == {"B1", "B2", "B3", "B4"}
    assert set(body["payments"]) == {"P1", "P2"}
    assert body["phones"]["+12125550100"] > 0
    assert body["created"]["installments"] == 12
    assert table_counts()["loans"] == 4


def test_a_superuser_may_load_the_book_too():
    superuser = User.objects.create_superuser("root", password="pw-secret-123")

    response = _client(superuser).post(BOOK_URL, sample_tape(), format="json")

    assert response.status_code == 200


def test_a_bad_row_answers_400_with_the_error_body_and_writes_nothing(admin_client):
    # given
    tape = sample_tape()
    tape["loans"][0]["installments"][0]["principal"] = 200

    # when
    response = admin_client.post(BOOK_URL, tape, format="json")

    # then
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors", "code"}
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "loans[0].installments[0].principal": ['must be a decimal string such as "200.00", not a JSON number']
    }
    assert table_counts()["borrowers"] == 0


def test_a_body_that_is_not_json_is_refused(admin_client):
    response = admin_client.post(BOOK_URL, "borrowers=B1", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415


def test_one_payment_is_created_with_201_and_its_replay_answers_200(admin_client, book):
    # when
    created = admin_client.post(PAYMENTS_URL, payment("P1", "220.00"), format="json")
    replayed = admin_client.post(PAYMENTS_URL, payment("P1", "220.00"), format="json")

    # then
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json()["created"] is True and replayed.json()["created"] is False
    assert created.json()["id"] == replayed.json()["id"]
    assert {k: created.json()[k] for k in ("external_id", "loan", "amount", "value_date", "unapplied_amount")} == {
        "external_id": "P1", "loan": "L1", "amount": "220.00", "value_date": "2026-02-01", "unapplied_amount": "0.00",
    }  # fmt: skip
    assert table_counts()["payments"] == 1


def test_a_batch_of_payments_answers_each_payment(admin_client, book):
    # given P1 posted before
    admin_client.post(PAYMENTS_URL, payment("P1", "220.00"), format="json")

    # when
    response = admin_client.post(
        PAYMENTS_URL, {"payments": [payment("P1", "220.00"), payment("P2", "100.00", loan="L2")]}, format="json"
    )

    # then
    assert response.status_code == 201
    assert [(p["external_id"], p["created"]) for p in response.json()["payments"]] == [("P1", False), ("P2", True)]


def test_a_payment_id_reused_with_another_amount_answers_409(admin_client, book):
    admin_client.post(PAYMENTS_URL, payment("P1", "220.00"), format="json")

    response = admin_client.post(PAYMENTS_URL, payment("P1", "230.00"), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["errors"] == {"external_id": ["payment 'P1' exists already with other values"]}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (payment("P1", "-5.00"), "amount"),
        ({**payment("P1", "5.00"), "channel": "cash"}, "channel"),
        ({"payments": [payment("P1", "5.00", loan="L9")]}, "payments[0].loan"),
        ({"payments": "P1"}, "payments"),
        (payment("P1", "220.00", at="2199-01-01T00:00:00Z"), "received_at"),
    ],
    ids=["negative amount", "unknown channel", "unknown loan in a batch", "batch not a list", "received in the future"],
)
def test_a_bad_payment_answers_400_naming_the_field(admin_client, book, body: dict[str, Any], key: str):
    response = admin_client.post(PAYMENTS_URL, body, format="json")

    assert response.status_code == 400
    assert key in response.json()["errors"]
    assert response.json()["code"] == "invalid"
    assert table_counts()["payments"] == 0
    assert table_counts()["allocations"] == 0


@pytest.mark.parametrize("url", [BOOK_URL, PAYMENTS_URL])
def test_a_logged_in_user_who_is_not_an_administrator_is_refused(url):
    # given an agent
    agent = User.objects.create_user("agent1", password="pw-secret-123")
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])

    # when
    response = _client(agent).post(url, sample_tape(), format="json")

    # then
    assert response.status_code == 403
    assert table_counts()["borrowers"] == 0


@pytest.mark.parametrize("url", [BOOK_URL, PAYMENTS_URL])
def test_an_anonymous_caller_is_refused(url):
    response = _client(None).post(url, sample_tape(), format="json")

    assert response.status_code in (401, 403)
    assert table_counts()["borrowers"] == 0


class _Token:
    """Stands in for the integration tokens of a later issue: it knows its scopes."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = set(scopes)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


@pytest.mark.parametrize(("scopes", "allowed"), [(("core:book",), True), (("dialer",), False)])
def test_an_integration_token_is_judged_by_its_scopes(scopes, allowed):
    # given a request authenticated by a token on behalf of a user without any role
    request = APIRequestFactory().post(BOOK_URL, {}, format="json")
    force_authenticate(request, user=User.objects.create_user("core-system"), token=_Token(*scopes))
    view = BookImportView()
    drf_request = view.initialize_request(request)

    # when / then
    assert IsAdministrator().has_permission(drf_request, view) is allowed


def test_the_schema_documents_both_endpoints_with_examples(admin_client):
    response = admin_client.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    book = paths[BOOK_URL]["post"]
    assert book["operationId"] == "book_import"
    assert "examples" in book["requestBody"]["content"]["application/json"]
    assert {"200", "400", "403"} <= set(book["responses"])
    assert {"200", "201", "400", "409"} <= set(paths[PAYMENTS_URL]["post"]["responses"])
