"""The Done-when of issue 21: a client generated from the schema (as a vendor does, with
openapi-python-client) runs the README's worked example against a live server, and every answer
parses into its typed model with no field left over in ``additional_properties``: the answers and
the refusals (400, 401, 403, 404, 409, 422, 429) of the dialer, and the messages endpoints; and every
error status the schema documents for any operation is typed (no ``UnexpectedStatus``)."""

from __future__ import annotations

import importlib
import io
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from django.core.management import call_command

from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, dialer_client, iso, open_case_debt
from tests.messaging.conftest import NIGHT, texting_debt

# Slow (it generates a client, then talks HTTP to a live server): one test, run in CI with the rest.
pytestmark = pytest.mark.django_db(transaction=True)
PACKAGE = "cw_generated_client"


@pytest.fixture(scope="module")
def schema_text() -> str:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def gen(schema_text: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp_path = tmp_path_factory.mktemp("client")
    schema = tmp_path / "schema.yaml"
    schema.write_text(schema_text)
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


def _token(*args: str) -> str:
    """A token as the README makes it: ``manage.py dialer_token create NAME ...``, its last line."""
    out = io.StringIO()
    call_command("dialer_token", "create", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _refused(response: Any, status: int, code: str, model: str = "Error") -> Any:
    assert response.status_code == status, response.content
    parsed = response.parsed
    assert type(parsed).__name__ == model, (type(parsed), response.content)
    assert not parsed.additional_properties, parsed.additional_properties
    assert parsed.code.value == code and type(parsed.code).__name__ == "ErrorCodeEnum"
    return parsed


def test_the_readme_worked_example_through_a_generated_client(gen: Any, live_server: Any, clock: Clock) -> None:
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
    token = _token("acme-dialer")  # as the README makes it: its statuses (SALE, NA) mapped
    # As generated: the token scheme's default prefix (Bearer), an undocumented status raises.
    client = gen.AuthenticatedClient(base_url=live_server.url, token=token, raise_on_unexpected_status=True)

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
    stray = models.EventBatchDocRequest.from_dict({"events": [
        {"type": "result", "external_call_id": "call-none", "disposition": "NA", "talk_seconds": 0,
         "right_party": False, "conversation": False},
    ]})  # fmt: skip
    rejected = _typed(api.dialer_events.sync_detailed(client=client, body=stray), 200, models.EventBatchResult)
    assert [(item.status.value, item.code.value) for item in rejected.results] == [("rejected", "call_not_found")]

    # 5. Do-not-call and its feed; dispositions; the read-only check.
    entry = models.DncRequest.from_dict({"type": "do_not_call", "number": "+12125550100", "reason": "asked on the phone"})
    _typed(api.dnc_record.sync_detailed(client=client, body=entry), 201, models.DncEntry)
    _typed(api.dnc_feed.sync_detailed(client=client, updated_since=started.replace(day=1)), 200, models.DncFeed)
    _typed(api.dispositions.sync_detailed(client=client), 200, models.DispositionList)
    _typed(api.compliance_check.sync_detailed(client=client, phone_id=debt.phone.pk), 200, models.Decision)

    # The refusals are typed too, each its error body with its code as the enum, never UnexpectedStatus.
    wrong = gen.AuthenticatedClient(base_url=live_server.url, token="cw_wrong", raise_on_unexpected_status=True)
    refused = api.compliance_check.sync_detailed(client=wrong, phone_id=debt.phone.pk)
    _refused(refused, 401, "token_invalid")
    assert refused.headers["WWW-Authenticate"] == "Token"
    bad = models.CallResultRequest.from_dict({"disposition": "NA", "talk_seconds": -1, "right_party": False, "conversation": False})
    _refused(api.dialer_call_result.sync_detailed("call-7781", client=client, body=bad), 400, "invalid")
    core = gen.AuthenticatedClient(base_url=live_server.url, token=_token("core-bank", "--kind", "core_system"),
                                   raise_on_unexpected_status=True)  # fmt: skip
    _refused(api.dialer_call_list.sync_detailed(client=core), 403, "permission_denied")
    unknown = "00000000-0000-4000-8000-000000000000"
    _refused(api.dialer_authorization_release.sync_detailed(unknown, client=client), 404, "authorization_not_found")
    other = models.CallResultRequest.from_dict({"disposition": "NA", "talk_seconds": 0, "right_party": False, "conversation": False})
    _refused(api.dialer_call_result.sync_detailed("call-7781", client=client, body=other), 409, "result_conflict")
    held = api.dialer_authorize.sync_detailed(client=client, body=ask)  # promised on the call: held till its date
    assert [r.code.value for r in _refused(held, 409, "not_allowed", "DialAuthorizationRefused").reasons] == ["promise_hold"]
    reused = api.dialer_authorize.sync_detailed(client=client, body=models.DialAuthorizationRequest.from_dict(
        {"phone_id": second.phone.pk}), idempotency_key="auth-1")  # fmt: skip
    _refused(reused, 422, "idempotency_key_reused")
    slow = dialer_client(name="slow-dialer", rate_limit_per_minute=1)
    limited = gen.AuthenticatedClient(base_url=live_server.url, token=slow.token, raise_on_unexpected_status=True)
    for _ in range(2):  # the first may pass
        answer = api.dispositions.sync_detailed(client=limited)
        if answer.status_code == 429:
            break
    _refused(answer, 429, "throttled")
    assert int(answer.headers["Retry-After"]) > 0


def test_messages_through_a_generated_client(gen: Any, live_server: Any, clock: Clock) -> None:
    api = importlib.import_module(f"{PACKAGE}.api.v1")
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("messages_create", "messages_list", "messages_read", "message_templates_list"):
        importlib.import_module(f"{PACKAGE}.api.v1.{name}")
    debt = texting_debt()
    core = gen.AuthenticatedClient(base_url=live_server.url, token=_token("crm", "--kind", "core_system"),
                                   raise_on_unexpected_status=True)  # fmt: skip
    templates = api.message_templates_list.sync_detailed(client=core)
    assert templates.status_code == 200 and "pre_due_sms" in {t.code for t in templates.parsed}
    for template in templates.parsed:
        assert isinstance(template, models.MessageTemplate) and not template.additional_properties

    text = models.MessageCreateRequest.from_dict(
        {"case_id": debt.case.pk, "template": "pre_due_sms", "channel": "sms", "phone_id": debt.phone.pk}
    )
    queued = _typed(api.messages_create.sync_detailed(client=core, body=text, idempotency_key="m-1"), 201, models.MessageQueued)
    again = api.messages_create.sync_detailed(client=core, body=text, idempotency_key="m-1")
    assert _typed(again, 201, models.MessageQueued).message_id == queued.message_id
    page = _typed(api.messages_list.sync_detailed(client=core, case=debt.case.pk), 200, models.PaginatedMessageList)
    assert [m.id for m in page.results] == [queued.message_id] and not page.results[0].additional_properties
    one = _typed(api.messages_read.sync_detailed(queued.message_id, client=core), 200, models.MessageDetail)
    assert one.id == queued.message_id

    clock.at = NIGHT  # 22:30 in New York: outside the texting window
    later = models.MessageCreateRequest.from_dict({**text.to_dict(), "template": "pre_due_sms"})
    refused = _refused(api.messages_create.sync_detailed(client=core, body=later), 409, "not_allowed", "MessageRefused")
    assert refused.reasons and not refused.reasons[0].additional_properties
    _refused(api.messages_read.sync_detailed(999999, client=core), 404, "not_found")
    bad = models.MessageCreateRequest.from_dict({**text.to_dict(), "phone_id": 999999})
    _refused(api.messages_create.sync_detailed(client=core, body=bad), 400, "invalid")
    dialer = gen.AuthenticatedClient(base_url=live_server.url, token=_token("plain", "--scope", "dialer"),
                                     raise_on_unexpected_status=True)  # fmt: skip
    _refused(api.messages_list.sync_detailed(client=dialer), 403, "permission_denied")


GENERIC_ERROR = {"message": "Refused.", "errors": {"field": ["Wrong."]}, "code": "invalid"}


def test_every_error_status_the_schema_documents_is_typed_by_the_generated_client(gen: Any, schema_text: str) -> None:
    client = gen.AuthenticatedClient(base_url="http://127.0.0.1:9", token="t", raise_on_unexpected_status=True)
    untyped = []
    for path, operations in yaml.safe_load(schema_text)["paths"].items():
        for method, operation in operations.items():
            tag, name = (re.sub(r"[^a-z0-9]+", "_", n.lower()) for n in (operation["tags"][0], operation["operationId"]))
            module = importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")  # every module imports
            for status, declared in operation["responses"].items():
                if int(status) < 400:
                    continue
                content = declared.get("content", {}).get("application/json", {})
                bodies = [e["value"] for e in content.get("examples", {}).values()] or [GENERIC_ERROR]
                for body in bodies:
                    answer = httpx.Response(int(status), content=json.dumps(body).encode(),
                                            headers={"Content-Type": "application/json"})  # fmt: skip
                    parsed = module._parse_response(client=client, response=answer)
                    if parsed is None or getattr(parsed, "additional_properties", None):
                        untyped.append(f"{method.upper()} {path} {status}")
    assert not untyped, untyped
