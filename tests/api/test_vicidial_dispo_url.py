"""GET integrations/vicidial/dispo/: VICIdial's Dispo Call URL, sent once, unsigned, de-duplicated on call_id."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from collections_app.models import ContactAttempt, DialAuthorization
from collections_app.services.integrations import VICIDIAL_MAPPINGS
from tests.api.conftest import CaseDebt, Clock, Dialer, dialer_client, granted

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/vicidial/dispo/"


@pytest.fixture
def vicidial(dialer: Dialer) -> Dialer:
    return dialer_client("vicidial", mappings=VICIDIAL_MAPPINGS)


def vicidial_url(token: str, debt: CaseDebt, **values: str) -> str:
    """The URL as VICIdial builds it from the campaign's Dispo Call URL: its --A--var--B-- filled in."""
    params = {
        "token": token,
        "call_id": "M4071400050000012345",
        "lead_id": "12345",
        "vendor_lead_code": f"{debt.case.pk}-{debt.phone.pk}",
        "phone_code": "1",
        "phone_number": debt.phone.number.removeprefix("+1"),
        "dispo": "NA",
        "talk_time": "0",
        "user": "6666",
        "recording_filename": "20260407-100000_2125551000",
        **values,
    }
    return f"{URL}?{urlencode(params)}"


def test_a_dispo_url_sent_twice_records_one_call(vicidial: Dialer, debt: CaseDebt) -> None:
    url = vicidial_url(vicidial.token, debt)

    first = APIClient().get(url)
    second = APIClient().get(url)

    assert first.status_code == 200
    assert first.json()["status"] == "accepted"
    assert first.json()["allowed"] is True
    assert first.json()["disposition"] == "no_answer"
    assert second.status_code == 200
    assert second.json()["status"] == "duplicate"
    attempt = ContactAttempt.objects.get()
    assert attempt.status == ContactAttempt.Status.COMPLETED
    assert attempt.disposition.code == "no_answer"
    assert attempt.case == debt.case
    assert attempt.external_id == f"{vicidial.integration.pk}:M4071400050000012345"
    assert attempt.recording_ref == "20260407-100000_2125551000"


def test_a_right_party_status_records_the_conversation_and_the_talk_time(vicidial: Dialer, debt: CaseDebt) -> None:
    response = APIClient().get(vicidial_url(vicidial.token, debt, dispo="NI", talk_time="95"))

    assert response.json()["disposition"] == "refused"
    attempt = ContactAttempt.objects.get()
    assert (attempt.right_party_contact, attempt.conversation, attempt.talk_seconds) == (True, True, 95)


def test_the_number_alone_finds_the_lead(vicidial: Dialer, debt: CaseDebt) -> None:
    response = APIClient().get(vicidial_url(vicidial.token, debt, vendor_lead_code=""))

    assert response.status_code == 200
    assert ContactAttempt.objects.get().phone == debt.phone


def test_a_call_the_engine_would_have_refused_is_recorded_and_marked(
    vicidial: Dialer, dialer: Dialer, debt: CaseDebt, clock: Clock
) -> None:
    for _ in range(7):
        granted(dialer, debt.phone)

    response = APIClient().get(vicidial_url(vicidial.token, debt))

    assert response.status_code == 200
    assert response.json()["allowed"] is False
    assert [r["code"] for r in response.json()["reasons"]] == ["weekly_cap"]
    assert ContactAttempt.objects.filter(external_id__endswith="M4071400050000012345").get().status == "completed"


def test_a_wrong_token_in_the_url_is_401(vicidial: Dialer, debt: CaseDebt) -> None:
    response = APIClient().get(vicidial_url("cw_000000000000_" + "x" * 43, debt))

    assert response.status_code == 401
    assert not ContactAttempt.objects.exists()


def test_a_token_in_a_header_is_not_how_this_adapter_works(vicidial: Dialer, debt: CaseDebt) -> None:
    url = vicidial_url(vicidial.token, debt).replace(f"token={vicidial.token}&", "")

    assert vicidial.get(url).status_code == 401


def test_an_unknown_lead_is_404_and_records_nothing(vicidial: Dialer, debt: CaseDebt) -> None:
    response = APIClient().get(vicidial_url(vicidial.token, debt, vendor_lead_code="999999-999999"))

    assert response.status_code == 404
    assert not DialAuthorization.objects.exists()


@pytest.mark.parametrize(
    "values", [{"call_id": ""}, {"dispo": ""}, {"talk_time": "--A--talk_time--B--"}, {"dispo": "UNMAPPED"}]
)
def test_a_malformed_or_unmapped_request_is_400(vicidial: Dialer, debt: CaseDebt, values: dict[str, str]) -> None:
    response = APIClient().get(vicidial_url(vicidial.token, debt, **values))

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors", "code"}
    assert not ContactAttempt.objects.exists()
