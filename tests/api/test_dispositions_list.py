"""GET dispositions/: our codes, their flags, and the caller's mappings."""

from __future__ import annotations

import pytest

from collections_app.services.integrations import mappings_set
from tests.api.conftest import Dialer, dialer_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/dispositions/"


def test_it_lists_our_codes_with_their_flags_and_only_this_dialers_mappings(dialer: Dialer) -> None:
    mappings_set(integration=dialer.integration, mappings={"NA": "no_answer", "DNC": "dnc_request"})
    other = dialer_client("other-dialer")
    mappings_set(integration=other.integration, mappings={"X1": "busy"})

    body = dialer.get(URL).json()

    codes = {row["code"]: row for row in body["results"]}
    assert codes["dnc_request"]["do_not_call"] is True
    assert codes["busy"]["not_connected"] is True
    assert codes["no_answer"]["category"] == "no_contact"
    assert body["mappings"] == [
        {"external_code": "DNC", "code": "dnc_request"},
        {"external_code": "NA", "code": "no_answer"},
    ]
