"""A database error in the middle of a batch rolls the whole batch back, and the client is told so in the
documented error body (no partial success).

The error is real: a PostgreSQL trigger, created by the test, refuses one row of the batch, as a
constraint that no validation knows of would. Book import and payments are all or nothing by
contract. The dialer's event batch answers a bad item on its own (rejected, with the reason); an
error of the database itself, which says nothing about the item, takes the whole batch back, and a
retry with the same Idempotency-Key runs it again.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Installment, LoanAccount
from accounts.services.book_import import book_import
from collections_app.models import ContactAttempt, DialAuthorization, IdempotencyRecord
from scheduling.presets import presets_ensure
from tests.api.conftest import MORNING, Clock, Dialer, dialer_client, granted, iso, open_case_debt
from tests.fixtures.tapes import payment, sample_tape, table_counts
from tests.integration.faults import database_refuses, second_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFUSED_BY_THE_DATABASE = {"message", "errors", "code"}
EMPTY_BOOK = dict.fromkeys(
    ("borrowers", "phones", "loans", "installments", "payments", "allocations", "audit entries"), 0
)


@pytest.fixture
def admin_client() -> APIClient:
    user = User.objects.create_user("admin1", password="pw-secret-123")
    user.groups.add(Group.objects.get_or_create(name="administrator")[0])
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_database_error(response: Any) -> None:
    assert response.status_code == 500
    body = response.json()
    assert set(body) == REFUSED_BY_THE_DATABASE
    assert body["code"] == "database_error"


# --- Book import -------------------------------------------------------------------------------------


def test_a_book_import_refused_by_the_database_half_way_writes_nothing(admin_client: APIClient):
    # Given a tape whose third loan's installments the database refuses (after borrowers, phones and
    # the loans are written in the batch's transaction)
    tape = sample_tape()
    with database_refuses("accounts_installment", "NEW.principal_due = 250.00"):
        # When it is posted
        response = admin_client.post("/api/v1/book/import/", tape, format="json")

    # Then the answer is the documented error body, and nothing of the batch is in the book
    assert_database_error(response)
    assert table_counts() == EMPTY_BOOK

    # ... and once the cause is gone the same tape loads whole
    assert admin_client.post("/api/v1/book/import/", tape, format="json").status_code == 200
    assert table_counts()["installments"] == 12


def test_the_import_command_says_the_database_refused_the_batch_and_nothing_was_written(tmp_path: Path):
    tape_file = tmp_path / "book.json"
    tape_file.write_text(json.dumps(sample_tape()))

    with database_refuses("accounts_installment", "NEW.principal_due = 250.00"), pytest.raises(CommandError) as refusal:
        call_command("import_book", str(tape_file))

    assert "the database refused the batch" in str(refusal.value)
    assert "nothing was written" in str(refusal.value)
    assert table_counts() == EMPTY_BOOK


# --- Payments ----------------------------------------------------------------------------------------


def test_a_payment_batch_refused_by_the_database_half_way_posts_none(admin_client: APIClient):
    # Given the book, and a database that refuses to change the second loan's schedule (the payments are
    # inserted and the first loan reallocated before that, in the batch's transaction)
    book_import(data=sample_tape(payments=False))
    before = table_counts()
    schedules = list(Installment.objects.order_by("pk").values_list("pk", "principal_paid", "interest_paid"))
    refused_loan = LoanAccount.objects.get(external_id="L2").pk
    batch = {"payments": [payment("P1", "220.00", loan="L1"), payment("P2", "1035.00", loan="L2")]}

    with database_refuses("accounts_installment", f"NEW.loan_id = {refused_loan}", on="UPDATE"):
        response = admin_client.post("/api/v1/payments/", batch, format="json")

    # Then: the error body, no payment, no allocation, every installment as it was
    assert_database_error(response)
    assert table_counts() == before
    assert list(Installment.objects.order_by("pk").values_list("pk", "principal_paid", "interest_paid")) == schedules

    # ... and the same batch posts whole afterwards
    assert admin_client.post("/api/v1/payments/", batch, format="json").status_code == 201
    assert table_counts()["payments"] == before["payments"] + 2


@pytest.mark.django_db(transaction=True)
def test_a_payment_batch_that_cannot_get_its_loan_locked_in_time_is_a_503_to_retry(admin_client: APIClient):
    # Given the book, a loan another session holds locked (a long import, say), and a lock timeout
    book_import(data=sample_tape(payments=False))
    before = table_counts()
    batch = {"payments": [payment("P1", "220.00", loan="L1"), payment("P2", "1035.00", loan="L2")]}
    with second_session("SELECT id FROM accounts_loanaccount WHERE external_id = 'L2' FOR UPDATE"):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        try:
            # When the batch is posted
            response = admin_client.post("/api/v1/payments/", batch, format="json")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

    # Then the database was busy: 503 with Retry-After in the error body, and nothing posted
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert set(response.json()) == REFUSED_BY_THE_DATABASE
    assert response.json()["code"] == "database_unavailable"
    assert table_counts() == before


def test_the_payments_command_says_the_database_refused_the_batch(tmp_path: Path):
    book_import(data=sample_tape(payments=False))
    before = table_counts()
    refused_loan = LoanAccount.objects.get(external_id="L2").pk
    payments_file = tmp_path / "payments.json"
    payments_file.write_text(json.dumps([payment("P1", "220.00", loan="L1"), payment("P2", "1035.00", loan="L2")]))

    with database_refuses("accounts_installment", f"NEW.loan_id = {refused_loan}", on="UPDATE"), pytest.raises(
        CommandError, match="the database refused the batch"
    ):
        call_command("import_payments", str(payments_file))

    assert table_counts() == before


# --- Dialer events -----------------------------------------------------------------------------------


@pytest.fixture
def dialer(monkeypatch: pytest.MonkeyPatch) -> tuple[Dialer, Clock]:
    clock = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", clock)
    presets_ensure()
    return dialer_client(), clock


def call_and_result(call_id: str, authorization_id: str, clock: Clock, notes: str = "") -> list[dict[str, Any]]:
    return [
        {"type": "call", "external_call_id": call_id, "authorization_id": authorization_id,
         "started_at": iso(clock.at + dt.timedelta(seconds=5)), "ended_at": iso(clock.at + dt.timedelta(seconds=35))},
        {"type": "result", "external_call_id": call_id, "disposition": "no_answer", "talk_seconds": 0,
         "right_party": False, "conversation": False, "notes": notes},
    ]  # fmt: skip


def test_an_event_batch_the_database_refuses_half_way_is_rolled_back_whole_and_may_be_retried(
    dialer: tuple[Dialer, Clock],
):
    # Given three authorized calls, and a database that refuses the second call's result
    client, clock = dialer
    authorizations = [granted(client, open_case_debt().phone) for _ in range(3)]
    events = [
        *call_and_result("c-1", authorizations[0], clock),
        *call_and_result("c-2", authorizations[1], clock, notes="refused by the database"),
        *call_and_result("c-3", authorizations[2], clock),
    ]
    key = {"Idempotency-Key": "batch-1"}

    # (by the attempt's id and its new status: the notes are encrypted at rest, so no trigger can read them)
    second = DialAuthorization.objects.get(pk=authorizations[1]).attempt_id

    # When the batch arrives
    with database_refuses("collections_app_contactattempt", f"NEW.id = {int(second)} AND NEW.status <> 'reserved'"):
        response = client.post("/api/v1/dialer/events/", {"events": events}, **key)

    # Then the answer is the documented error body, not a partial success...
    assert_database_error(response)
    # ... no call of the batch is linked or completed, and the key is not spent
    assert not DialAuthorization.objects.filter(external_call_id__isnull=False).exists()
    assert set(ContactAttempt.objects.values_list("status", flat=True)) == {ContactAttempt.Status.RESERVED}
    assert not IdempotencyRecord.objects.exists()

    # When the dialer retries it with the same key once the cause is gone
    retry = client.post("/api/v1/dialer/events/", {"events": events}, **key)

    # Then the whole batch is applied, once
    assert retry.status_code == 200
    assert (retry.json()["accepted"], retry.json()["rejected"]) == (6, 0)
    assert ContactAttempt.objects.filter(status=ContactAttempt.Status.COMPLETED).count() == 3
