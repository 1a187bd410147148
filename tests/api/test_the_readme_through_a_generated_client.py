"""The Done-when of issue 21: a client generated from the schema (as a vendor does, with
openapi-python-client) runs the README's worked example against a live server, and every answer
parses into its typed model with no field left over in ``additional_properties``."""

from __future__ import annotations

import importlib
import io
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from collections_app.services.integrations import VICIDIAL_MAPPINGS
from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, dialer_client, iso, open_case_debt

# Slow (it generates a client, then talks HTTP to a live server): one test, run in CI with the rest.
pytestmark = pytest.mark.django_db(transaction=True)
PACKAGE = "cw_generated_client"


def _generate(tmp_path: Path) -> Any:
    schema = tmp_path / "schema.yaml"
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    schema.write_text(out.getvalue())
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is a dev dependency (make install)"
    subprocess.run(
        [generator, "generate", "--path", str(schema), "--meta", "none", "--output-path", str(tmp_path / PACKAGE)],
        check=True, capture_output=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))


def _typed(response: Any, status: int, model: type) -> Any:
    assert response.status_code == status, response.content
    parsed = response.parsed
    assert isinstance(parsed, model), (type(parsed), response.content)
    assert not parsed.additional_properties, parsed.additional_properties
    return parsed


def test_the_readme_worked_example_through_a_generated_client(tmp_path: Path, live_server: Any, clock: Clock) -> None:
    gen = _generate(tmp_path)
    api = importlib.import_module(f"{PACKAGE}.api.v1")
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("dialer_call_list", "dialer_authorize", "dialer_authorization_release", "dialer_call_report",
                 "dialer_call_result", "dialer_events", "dnc_record", "dnc_feed", "dispositions", "compliance_check"):
        importlib.import_module(f"{PACKAGE}.api.v1.{name}")
    presets_ensure()
    promise_policies_ensure()
    debt = open_case_debt()
    debt.case.overdue_amount = Decimal("400.00")
    debt.case.save()
    second = open_case_debt()
    dialer = dialer_client(mappings=VICIDIAL_MAPPINGS)
    # As generated: the token scheme's default prefix (Bearer), an undocumented status raises.
    client = gen.AuthenticatedClient(base_url=live_server.url, token=dialer.token, raise_on_unexpected_status=True)

    # 1. The call list.
    page = _typed(api.dialer_call_list.sync_detailed(client=client, bucket="M1", limit=100), 200, models.CallListPage)
    rows = {row.phone_id: row for row in page.results}
    assert debt.phone.pk in rows and rows[debt.phone.pk].borrower_id == debt.borrower.pk
    for row in page.results:
        assert not row.additional_properties

    # 2. Ask before each dial (a retry with the key is the first answer), and release one not dialed.
    ask = models.DialAuthorizationRequest.from_dict({"phone_id": debt.phone.pk, "case_id": debt.case.pk})
    granted = _typed(
        api.dialer_authorize.sync_detailed(client=client, body=ask, idempotency_key="auth-1"), 201,
        models.DialAuthorizationGranted,
    )  # fmt: skip
    again = api.dialer_authorize.sync_detailed(client=client, body=ask, idempotency_key="auth-1")
    assert _typed(again, 201, models.DialAuthorizationGranted).authorization_id == granted.authorization_id
    assert again.headers["Idempotent-Replayed"] == "true"
    spare = _typed(
        api.dialer_authorize.sync_detailed(
            client=client, body=models.DialAuthorizationRequest.from_dict({"phone_id": second.phone.pk})
        ),
        201, models.DialAuthorizationGranted,
    )  # fmt: skip
    _typed(
        api.dialer_authorization_release.sync_detailed(spare.authorization_id, client=client), 200,
        models.DialAuthorizationReleased,
    )  # fmt: skip

    # 3. Report the call; 4. its result, with a promise.
    started = clock.at
    report = models.CallReportRequest.from_dict({
        "authorization_id": str(granted.authorization_id), "started_at": iso(started),
        "answered_at": iso(started.replace(second=14)), "ended_at": iso(started.replace(minute=3)),
    })  # fmt: skip
    _typed(api.dialer_call_report.sync_detailed("call-7781", client=client, body=report), 201, models.Call)
    result = models.CallResultRequest.from_dict({
        "disposition": "SALE", "talk_seconds": 201, "right_party": True, "conversation": True,
        "promise": {"amount": "150.00", "date": "2026-04-10"},
    })  # fmt: skip
    recorded = _typed(api.dialer_call_result.sync_detailed("call-7781", client=client, body=result), 201, models.CallResult)
    assert recorded.duplicate is False
    duplicate = _typed(api.dialer_call_result.sync_detailed("call-7781", client=client, body=result), 200, models.CallResult)
    assert duplicate.duplicate is True

    # High volume: a batch of a call and its result.
    batch_grant = _typed(
        api.dialer_authorize.sync_detailed(
            client=client, body=models.DialAuthorizationRequest.from_dict({"phone_id": second.phone.pk})
        ),
        201, models.DialAuthorizationGranted,
    )  # fmt: skip
    events = models.EventBatchDocRequest.from_dict({"events": [
        {"type": "call", "external_call_id": "call-7782", "authorization_id": str(batch_grant.authorization_id),
         "started_at": iso(started)},
        {"type": "result", "external_call_id": "call-7782", "disposition": "NA", "talk_seconds": 0,
         "right_party": False, "conversation": False},
    ]})  # fmt: skip
    batch = _typed(api.dialer_events.sync_detailed(client=client, body=events), 200, models.EventBatchResult)
    assert [item.additional_properties for item in batch.results] == [{}, {}]

    # 5. Do-not-call and its feed; dispositions; the read-only check.
    entry = models.DncRequest.from_dict({"type": "do_not_call", "number": "+12125550100", "reason": "asked on the phone"})
    _typed(api.dnc_record.sync_detailed(client=client, body=entry), 201, models.DncEntry)
    _typed(api.dnc_feed.sync_detailed(client=client, updated_since=started.replace(day=1)), 200, models.DncFeed)
    _typed(api.dispositions.sync_detailed(client=client), 200, models.DispositionList)
    _typed(api.compliance_check.sync_detailed(client=client, phone_id=debt.phone.pk), 200, models.Decision)

    # A documented refusal is typed too: a wrong token is the error body, not UnexpectedStatus.
    wrong = gen.AuthenticatedClient(base_url=live_server.url, token="cw_wrong", raise_on_unexpected_status=True)
    refused = api.compliance_check.sync_detailed(client=wrong, phone_id=debt.phone.pk)
    assert refused.status_code == 401
    assert type(refused.parsed).__name__ in ("Error", "ApiError")
