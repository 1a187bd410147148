"""GET /api/v1/compliance/check/: the engine's decision, read-only, for team leads, supervisors and
administrators (dialer tokens: tests/api/test_dial_authorizations.py); being staff is not enough."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app import roles
from collections_app.models import ContactAttempt
from tests.factories import UserFactory
from tests.scheduling.conftest import Debt

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/check/"


def session(*groups: str, staff: bool = True) -> APIClient:
    user = UserFactory(is_staff=staff)
    user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in groups))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff() -> APIClient:
    """A supervisor: every phone."""
    return session(roles.SUPERVISOR)


def test_it_answers_the_decision_for_a_supervisor(staff: APIClient, new_yorker: Debt) -> None:
    response = staff.get(
        URL, {"phone_id": new_yorker.phone.pk, "channel": "call", "at": "2026-04-07T11:59:00Z"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert body["reasons"][0]["code"] == "outside_window"
    assert body["reasons"][0]["message"]
    assert body["next_allowed_at"] == "2026-04-07T12:00:00Z"  # 08:00 in New York
    assert body["attempts_left_week"] == 7
    assert body["policy"]["name"] == "US Reg F"
    assert not ContactAttempt.objects.exists()


def test_an_allowed_answer_says_when_the_window_closes(staff: APIClient, new_yorker: Debt) -> None:
    body = staff.get(URL, {"phone_id": new_yorker.phone.pk, "at": "2026-04-07T14:00:00+00:00"}).json()

    assert body["allowed"] is True
    assert body["reasons"] == []
    assert body["window_closes_at"] == "2026-04-08T01:00:00Z"


def test_an_unknown_phone_is_404(staff: APIClient, presets: None) -> None:
    response = staff.get(URL, {"phone_id": 999999})

    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_bad_instant_is_400_with_the_field_named(staff: APIClient, new_yorker: Debt) -> None:
    response = staff.get(URL, {"phone_id": new_yorker.phone.pk, "at": "tomorrow at noon"})

    assert response.status_code == 400
    assert "at" in response.json()["errors"]


def test_an_unknown_channel_is_400(staff: APIClient, new_yorker: Debt) -> None:
    response = staff.get(URL, {"phone_id": new_yorker.phone.pk, "channel": "pigeon"})

    assert response.status_code == 400
    assert "channel" in response.json()["errors"]


def test_a_user_who_is_not_staff_is_refused(new_yorker: Debt) -> None:
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert client.get(URL, {"phone_id": new_yorker.phone.pk}).status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "groups",
    [(), (roles.ANALYST,), (roles.AGENT,), (roles.DIALER_INTEGRATION,)],
    ids=["no role", "analyst", "agent", "dialer group"],
)
def test_staff_without_a_role_that_may_check_a_phone_is_refused_with_the_error_body(
    new_yorker: Debt, method: str, groups: tuple[str, ...]
) -> None:
    client = session(*groups)

    response = getattr(client, method)(f"{URL}?phone_id={new_yorker.phone.pk}&at=2026-04-07T14:00:00Z")

    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"message", "errors", "code"}
    assert body["code"] == "permission_denied"
    assert new_yorker.phone.number not in response.content.decode()
    assert "allowed" not in body


def test_the_browsable_page_of_the_check_refuses_staff_without_a_role_too(new_yorker: Debt) -> None:
    response = session().get(URL, {"phone_id": new_yorker.phone.pk}, HTTP_ACCEPT="text/html")

    assert response.status_code == 403
    assert new_yorker.phone.number not in response.content.decode()
    assert "window_closes_at" not in response.content.decode()


def test_an_administrator_checks_any_phone(new_yorker: Debt) -> None:
    response = session(roles.ADMINISTRATOR).get(
        URL, {"phone_id": new_yorker.phone.pk, "at": "2026-04-07T14:00:00Z"}
    )

    assert response.status_code == 200
    assert response.json()["allowed"] is True


def test_an_anonymous_caller_is_refused(new_yorker: Debt) -> None:
    assert APIClient().get(URL, {"phone_id": new_yorker.phone.pk}).status_code in (401, 403)
