"""A loan tape over ``BOOK_IMPORT_JOB_BYTES``: 202 and a job, loaded in the background with the same answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from rest_framework.test import APIClient

from collections_app.models import BookImportJob, Integration
from collections_app.tasks import book_import_job_task
from tests.api.conftest import dialer_client
from tests.fixtures.tapes import payment, table_counts

pytestmark = pytest.mark.django_db

BOOK_URL = "/api/v1/book/import/"
# Small enough that every tape here is "large"; the tapes here are a few KiB.
THRESHOLD = 2048


def _tape(size: int, *, bad_row: int | None = None) -> dict[str, Any]:
    tape: dict[str, Any] = {
        "borrowers": [
            {"external_id": f"B{n}", "name": f"Borrower {n}", "country": "US", "region": "NY",
             "phones": [{"number": f"+1212555{n:04d}"}]}
            for n in range(size)
        ],
        "loans": [
            {"external_id": f"L{n}", "borrower": f"B{n}", "product": "cash", "currency": "USD", "principal": "100.00",
             "opened_on": "2026-01-01",
             "installments": [{"seq": 1, "due_date": "2026-02-01", "principal": "100.00"}]}
            for n in range(size)
        ],
        "payments": [payment(f"P{n}", "10.00", loan=f"L{n}") for n in range(size)],
    }  # fmt: skip
    if bad_row is not None:
        tape["loans"][bad_row]["installments"][0]["due_date"] = "2026-02-31"
    return tape


def _administrator(name: str) -> User:
    user = User.objects.create_user(name, password="pw-secret-123")
    user.groups.add(Group.objects.get_or_create(name="administrator")[0])
    return user


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def large(settings: Any) -> None:
    settings.BOOK_IMPORT_JOB_BYTES = THRESHOLD


@pytest.fixture
def admin_client() -> APIClient:
    return _client(_administrator("admin1"))


def _post_large(client: APIClient, tape: dict[str, Any], capture: Any) -> Any:
    body = json.dumps(tape)
    assert len(body) > THRESHOLD
    with capture(execute=True):
        response = client.post(BOOK_URL, body, content_type="application/json")
    assert response.status_code == 202, response.content
    return response


def _synchronous_answer(tape: dict[str, Any], client: APIClient, settings: Any) -> tuple[int, dict[str, Any]]:
    """What the synchronous import answers for the tape, rolled back afterwards."""
    settings.BOOK_IMPORT_JOB_BYTES = 10 * 1024 * 1024
    try:
        with transaction.atomic():
            response = client.post(BOOK_URL, tape, format="json")
            counts = table_counts()
            transaction.set_rollback(True)
    finally:
        settings.BOOK_IMPORT_JOB_BYTES = THRESHOLD
    return response.status_code, {"body": response.json(), "counts": counts}


def test_a_large_tape_is_queued_and_its_job_answers_what_the_synchronous_import_answers(
    large: None, admin_client: APIClient, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given what the synchronous import of the tape answers (and writes)
    tape = _tape(30)
    code, synchronous = _synchronous_answer(tape, admin_client, settings)
    assert code == 200 and table_counts()["loans"] == 0

    # when the tape is sent over the threshold
    queued = _post_large(admin_client, tape, django_capture_on_commit_callbacks)

    # then it was a job, loaded in the background, with the same answer and the same rows written
    assert queued["Location"] == queued.json()["status_url"]
    assert queued.json()["status"] == "queued"
    job = admin_client.get(queued.json()["status_url"])
    assert job.status_code == 200
    body = job.json()
    assert body["status"] == "done" and body["error"] is None
    assert body["rows_total"] == body["rows_done"] == 90
    answer = body["result"]
    assert answer["created"] == synchronous["body"]["created"]
    assert answer["updated"] == synchronous["body"]["updated"]
    for table in ("borrowers", "loans", "payments", "phones"):
        assert set(answer[table]) == set(synchronous["body"][table])
    assert table_counts() == synchronous["counts"]
    assert BookImportJob.objects.get().body == ""


def test_a_bad_row_in_a_large_tape_writes_nothing_and_the_job_names_the_row_as_the_synchronous_refusal(
    large: None, admin_client: APIClient, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a large tape with one impossible date in its 8th loan
    tape = _tape(30, bad_row=7)
    code, synchronous = _synchronous_answer(tape, admin_client, settings)
    assert code == 400
    before = table_counts()

    # when
    queued = _post_large(admin_client, tape, django_capture_on_commit_callbacks)

    # then the job was refused with the synchronous refusal body, and nothing was written
    body = admin_client.get(queued.json()["status_url"]).json()
    assert body["status"] == "refused" and body["result"] is None and body["rows_done"] == 0
    assert body["error"] == synchronous["body"]
    assert "loans[7].installments[0].due_date" in body["error"]["errors"]
    assert table_counts() == before


def test_a_large_body_that_is_not_json_is_a_refused_job(
    large: None, admin_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = admin_client.post(BOOK_URL, "{" + " " * THRESHOLD, content_type="application/json")
    assert queued.status_code == 202

    body = admin_client.get(queued.json()["status_url"]).json()

    assert body["status"] == "refused"
    assert body["error"]["code"] == "parse_error"


def test_a_large_body_that_is_not_json_by_its_type_is_refused_at_once(large: None, admin_client: APIClient) -> None:
    response = admin_client.post(BOOK_URL, "x" * (THRESHOLD + 1), content_type="text/plain")

    assert response.status_code == 415
    assert set(response.json()) == {"message", "errors", "code"}
    assert not BookImportJob.objects.exists()


def test_running_the_job_again_loads_the_tape_once(
    large: None, admin_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    queued = _post_large(admin_client, _tape(10), django_capture_on_commit_callbacks)
    counts = table_counts()

    assert book_import_job_task.delay(queued.json()["id"]).get() is None

    assert table_counts() == counts
    assert admin_client.get(queued.json()["status_url"]).json()["result"]["created"]["loans"] == 10


def test_a_small_tape_is_still_answered_at_once(admin_client: APIClient) -> None:
    response = admin_client.post(BOOK_URL, _tape(2), format="json")

    assert response.status_code == 200
    assert response.json()["created"]["loans"] == 2
    assert not BookImportJob.objects.exists()


# Who may see a job -------------------------------------------------------------------------------


@pytest.fixture
def job_url(large: None, admin_client: APIClient, django_capture_on_commit_callbacks: Any) -> str:
    return str(_post_large(admin_client, _tape(10), django_capture_on_commit_callbacks).json()["status_url"])


def test_another_administrators_job_is_not_found(job_url: str) -> None:
    response = _client(_administrator("admin2")).get(job_url)

    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors", "code"}


def test_an_unknown_job_is_not_found(admin_client: APIClient) -> None:
    response = admin_client.get("/api/v1/book/import/jobs/999999/")

    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_user_who_is_not_an_administrator_may_not_ask(job_url: str) -> None:
    agent = User.objects.create_user("agent1", password="pw-secret-123")

    assert _client(agent).get(job_url).status_code == 403


def test_without_credentials_the_job_is_a_401(job_url: str) -> None:
    response = _client().get(job_url)

    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors", "code"}


def test_a_dialer_token_may_not_ask(job_url: str) -> None:
    dialer = dialer_client("acme-dialer")

    assert dialer.get(job_url).status_code == 403


def test_the_core_system_sees_its_own_job_and_not_another_systems(
    large: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given a job sent by one core system's token
    core = dialer_client("core-bank", kind=Integration.Kind.CORE_SYSTEM)
    other = dialer_client("core-other", kind=Integration.Kind.CORE_SYSTEM)
    url = _post_large(core.client, _tape(10), django_capture_on_commit_callbacks).json()["status_url"]

    # then it sees it, the other system does not, and a token without the book's scope may not ask
    assert core.get(url).json()["status"] == "done"
    assert other.get(url).status_code == 404
    payments_only = dialer_client("core-payments", kind=Integration.Kind.CORE_SYSTEM, scopes=["core:payments"])
    assert payments_only.get(url).status_code == 403


def test_the_schema_declares_the_job_and_the_202(admin_client: APIClient) -> None:
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()

    import_responses = schema["paths"]["/api/v1/book/import/"]["post"]["responses"]
    assert "202" in import_responses
    job = schema["paths"]["/api/v1/book/import/jobs/{job_id}/"]["get"]
    assert set(job["responses"]) >= {"200", "401", "403", "404"}
    assert "BookImportJob" in schema["components"]["schemas"]
