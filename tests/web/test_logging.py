"""Logs are JSON lines with the request's and the task's context, and never hold personal data."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import CobRun
from collections_app.services.integrations import VICIDIAL_MAPPINGS
from collections_app.tasks import nightly_close_task
from config.logging import ContextFilter, JsonFormatter, PiiFilter, logging_config
from config.pii import DEVELOPMENT_KEYS
from scheduling.presets import presets_ensure
from tests.api.conftest import MORNING, Clock, dialer_client, granted, iso, open_case_debt
from tests.factories import PhoneFactory, UserFactory, loan_with_schedule

PHONE = "+12125550147"


class Lines:
    """What the production handler (JSON formatter, context and PII filters) wrote, one dict per line."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def of(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line["logger"] == logger]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """Every record logged during the test, at DEBUG and up, through the handler ``LOGGING`` builds."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(PiiFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield Lines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def digits(number: str) -> str:
    return number.removeprefix("+1")


@pytest.mark.django_db
@pytest.mark.urls("tests.web.urls_logging")
def test_a_request_logs_one_json_line_with_its_fields_and_no_personal_data(
    client: Any, log_lines: Lines
) -> None:
    user = UserFactory(username="agent.smith", email="smith@bank.example")
    phone = PhoneFactory(number=PHONE)
    client.force_login(user)

    response = client.get(
        f"/careless/{phone.pk}/?email=jane.doe@example.com&phone={PHONE}",
        headers={"X-Request-ID": "lb-7f3a.1"},
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a.1"
    [line] = log_lines.of("config.request")
    assert line["level"] == "INFO"
    assert dt.datetime.fromisoformat(line["ts"]).utcoffset() == dt.timedelta(0)
    assert line["ts"].endswith("Z")
    assert {key: line[key] for key in ("method", "path", "status", "user_id", "request_id")} == {
        "method": "GET",
        "path": f"/careless/{phone.pk}/?email=&phone=",
        "status": 200,
        "user_id": user.pk,
        "request_id": "lb-7f3a.1",
    }
    assert isinstance(line["duration_ms"], float)
    [careless] = log_lines.of("tests.careless")
    assert careless["message"] == "calling [phone] for [email]"
    assert careless["phone"] == "[redacted]"
    assert careless["request_id"] == "lb-7f3a.1"
    for secret in (PHONE, digits(PHONE), "jane.doe", "agent.smith", "smith@bank.example"):
        assert secret not in log_lines.text


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_a_new_one(client: Any, log_lines: Lines) -> None:
    plain = client.get("/health/")
    forged = client.get("/health/", headers={"X-Request-ID": 'x" injected\n{"level": "ERROR"}'})

    assert len(plain["X-Request-ID"]) == 32
    assert len(forged["X-Request-ID"]) == 32
    assert plain["X-Request-ID"] != forged["X-Request-ID"]
    assert "injected" not in log_lines.text
    assert [line["request_id"] for line in log_lines.of("config.request")] == [
        plain["X-Request-ID"],
        forged["X-Request-ID"],
    ]


@pytest.mark.django_db
def test_a_call_logged_through_the_dialer_api_logs_no_phone_number(
    monkeypatch: pytest.MonkeyPatch, log_lines: Lines
) -> None:
    clock = Clock(MORNING)  # inside the debt's calling window
    monkeypatch.setattr(timezone, "now", clock)
    presets_ensure()
    dialer, debt = dialer_client(), open_case_debt()

    authorization_id = granted(dialer, debt.phone, case_id=debt.case.pk)
    call = dialer.put(
        "/api/v1/dialer/calls/c-1/",
        {"authorization_id": authorization_id, "started_at": iso(clock.at), "ended_at": iso(clock.at)},
    )
    result = dialer.post(
        "/api/v1/dialer/calls/c-1/result/",
        {"disposition": "no_answer", "talk_seconds": 0, "right_party": False, "conversation": False},
    )
    dnc = dialer.post("/api/v1/dnc/", {"type": "do_not_call", "number": debt.phone.number, "reason": "asked"})
    vicidial = dialer_client("vicidial", mappings=VICIDIAL_MAPPINGS)
    dispo = APIClient().get(
        "/api/v1/integrations/vicidial/dispo/?"
        + urlencode(
            {
                "token": vicidial.token,
                "call_id": "M1",
                "phone_code": "1",
                "phone_number": digits(debt.phone.number),
                "dispo": "NA",
                "talk_time": "0",
            }
        )  # fmt: skip
    )

    assert (call.status_code, result.status_code, dnc.status_code, dispo.status_code) == (201, 201, 201, 200)
    requests = log_lines.of("config.request")
    assert [line["status"] for line in requests] == [201, 201, 201, 201, 200]
    assert {line["integration_id"] for line in requests} == {dialer.integration.pk, vicidial.integration.pk}
    assert requests[-1]["path"] == (
        "/api/v1/integrations/vicidial/dispo/?token=&call_id=&phone_code=&phone_number=&dispo=&talk_time="
    )
    for secret in (
        debt.phone.number,
        digits(debt.phone.number),
        dialer.token,
        vicidial.token,
        debt.borrower.name,
    ):
        assert secret not in log_lines.text


def test_phone_numbers_e_mail_addresses_and_national_ids_are_redacted_everywhere_in_a_record(
    log_lines: Lines,
) -> None:
    logger = logging.getLogger("tests.pii")

    try:
        raise ValueError("duplicate key (number)=(+44 20 7946 0958)")
    except ValueError:
        logger.exception(
            "borrower 110105194912310021 (ssn 123-45-6789) wrote from li.lei@example.cn, call +86 138 0013 8000",
            extra={
                "email": "x@y.example",
                "case": {"id": 7, "notes": "ring +12125550100"},
                "amount": 12345678,
            },
        )

    [line] = log_lines.of("tests.pii")
    assert line["message"] == ("borrower [national-id] (ssn [national-id]) wrote from [email], call [phone]")
    assert line["email"] == "[redacted]"
    assert line["case"] == {"id": 7, "notes": "ring [phone]"}
    assert line["amount"] == 12345678
    assert "(number)=([phone])" in line["exc"]
    assert "7946" not in log_lines.text


def test_a_celery_task_logs_with_its_name_and_id(db: None, log_lines: Lines) -> None:
    loan_with_schedule(first_due=dt.date(2026, 2, 1))

    result = nightly_close_task.delay("2026-02-20")

    [done] = [
        line for line in log_lines.of("accounts.services.cob") if line["message"].startswith("cob done")
    ]
    assert done["task_name"] == "collections_app.tasks.nightly_close_task"
    assert done["task_id"] == result.id
    assert CobRun.objects.filter(date=dt.date(2026, 2, 20), status=CobRun.Status.DONE).exists()


def test_outside_a_task_or_a_request_a_line_has_neither_context(log_lines: Lines) -> None:
    logging.getLogger("tests.plain").warning("nothing to see")

    [line] = log_lines.of("tests.plain")
    assert set(line) == {"ts", "level", "logger", "message"}


def test_production_settings_log_json_lines_and_development_settings_plain_text() -> None:
    script = "import django, logging; django.setup(); logging.getLogger('probe').warning('call %s', '+12125550100')"
    root = Path(settings.BASE_DIR)
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LOG_FORMAT", "LOG_LEVEL", "DJANGO_DEBUG"}
    }
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"

    production, development = (
        subprocess.Popen(
            [sys.executable, "-c", script], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )
        for env in ({**base, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "PII_ENCRYPTION_KEYS": DEVELOPMENT_KEYS}, {**base, "DJANGO_DEBUG": "1"})
    )  # fmt: skip
    production_err = production.communicate(timeout=60)[1]
    development_err = development.communicate(timeout=60)[1]

    [probe] = [json.loads(line) for line in production_err.splitlines() if '"probe"' in line]
    assert (probe["level"], probe["message"]) == ("WARNING", "call [phone]")
    [plain] = [line for line in development_err.splitlines() if " probe " in line]
    assert plain.endswith("WARNING probe call [phone]")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_json_lines_with_the_task_name(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    queue = request.getfixturevalue("celery_worker_process")  # started with the environment above
    loan_with_schedule(first_due=dt.date(2026, 2, 1))

    result = nightly_close_task.apply_async(args=["2026-02-20"], queue=queue)
    result.get(timeout=90)

    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    [done] = [line for line in lines if line["message"].startswith("cob done")]
    assert done["task_name"] == "collections_app.tasks.nightly_close_task"
    assert done["task_id"] == result.id
    assert done["logger"] == "accounts.services.cob"
