"""A dial authorization on PostgreSQL: three round trips of prepared statements (DESIGN.md 13), and the
same answers as the engine asked on its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from collections_app.models import ContactAttempt, DialAuthorization
from config.roundtrips import trips
from scheduling.engine import evaluate
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, dialer_client, open_case_debt

URL = "/api/v1/dialer/dial-authorizations/"


class Statements(list[str]):
    """The SQL of every statement run through Django's cursors (prepared ones too), as sent."""

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.append(" ".join(str(sql).split()))
        return execute(sql, params, many, context)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dial_authorization_is_one_read_one_locked_batch_and_one_write_with_its_commit(clock: Clock) -> None:
    # Given a dialer that has asked a few times already (its statements are prepared by now)
    presets_ensure()
    dialer = dialer_client()
    debts = [open_case_debt() for _ in range(4)]
    for debt in debts[:3]:
        assert dialer.post(URL, {"phone_id": debt.phone.pk, "case_id": debt.case.pk}).status_code == 201

    # When it asks for a number of a debt never asked about
    statements = Statements()
    with connection.execute_wrapper(statements):
        response = dialer.post(URL, {"phone_id": debts[3].phone.pk, "case_id": debts[3].case.pk})

    # Then it is granted as the engine says, with its authorization and attempt written together
    assert response.status_code == 201, response.json()
    body = response.json()
    attempt = ContactAttempt.objects.get(pk=body["attempt_id"])
    assert DialAuthorization.objects.get(pk=body["authorization_id"]).attempt == attempt
    assert attempt.case_id == debts[3].case.pk
    assert attempt.decision["allowed"] is True and attempt.decision["attempts_left_week"] == 7
    # in one read, then BEGIN with the transaction's serial plans, the counter's creation with the lock
    # in one statement and the engine's facts, then one statement writing the attempt, the bump and the
    # authorization with the COMMIT (the connection has generic plans since it was made: no SET of them)
    assert statements[0].startswith("SELECT i.")
    assert statements[1] == "BEGIN"
    assert statements[2] == (
        "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)"
    )
    assert statements[3].startswith("INSERT INTO scheduling_debtcontactcounter AS c")
    assert "ON CONFLICT (account_id) DO UPDATE" in statements[3]
    assert statements[-2].startswith("WITH attempt AS (INSERT INTO")
    assert statements[-1] == "COMMIT"
    assert len(statements) == 9, statements  # with the preferences, the history and the promises
    assert not [s for s in statements if s.startswith("SET") or "plan_cache_mode" in s], statements
    # and the read, the lock and the write are prepared statements of this connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [" ".join(row[0].split()) for row in cursor.fetchall()]
    assert any(s.startswith("SELECT i.") for s in prepared), prepared
    assert any(s.startswith("INSERT INTO scheduling_debtcontactcounter AS c") for s in prepared), prepared
    assert any(s.startswith("WITH attempt AS") for s in prepared), prepared
    # each planned once for every execution: no statement of the path planned anew each time (the
    # attempt history's was, 0.5 ms of planning a request)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE custom_plans > 0")
        replanned = [" ".join(row[0].split()) for row in cursor.fetchall()]
    assert not [s for s in replanned if "FROM collections_app_contactattempt a" in s], replanned


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_answers_are_the_engines_up_to_the_cap_and_past_it(clock: Clock) -> None:
    # Given a debt and a dialer asking for it without naming the case
    presets_ensure()
    dialer = dialer_client()
    debt = open_case_debt()
    for n in range(8):
        expected = evaluate(phone=debt.phone, at=clock(), source="dialer", account=debt.account)
        response = dialer.post(URL, {"phone_id": debt.phone.pk})
        body = response.json()
        # Then each answer is the engine's decision at that moment: seven yes, then the weekly cap
        assert response.status_code == (201 if n < 7 else 409)
        assert expected.allowed is (n < 7)
        if expected.allowed:
            stored = ContactAttempt.objects.get(pk=body["attempt_id"]).decision
            assert stored == expected.as_json()
        else:
            assert [r["code"] for r in body["reasons"]] == expected.codes == ["weekly_cap"]
        clock.advance(minutes=1)
    # and a refused request wrote nothing and left no transaction open
    assert ContactAttempt.objects.filter(account=debt.account).count() == 7
    assert connection.connection.info.transaction_status == 0  # IDLE


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return str(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_generic_plans_are_set_once_per_connection_that_prepares_and_per_transaction_on_one_that_does_not(
    clock: Clock,
) -> None:
    # Given a dialer and two debts
    presets_ensure()
    dialer = dialer_client()
    debts = [open_case_debt() for _ in range(2)]
    options = connection.settings_dict["OPTIONS"]
    threshold = options.get("prepare_threshold")
    assert threshold is not None  # the settings' default: statements prepared

    # When a connection is made with prepared statements
    connection.close()
    # Then it has generic plans for its whole session, and a request does not set them
    assert _plan_cache_mode() == "force_generic_plan"
    statements = Statements()
    with connection.execute_wrapper(statements):
        assert dialer.post(URL, {"phone_id": debts[0].phone.pk}).status_code == 201
    assert not [s for s in statements if s.startswith("SET") or "plan_cache_mode" in s], statements

    # When a connection is made without them (behind a pooler that shares server connections)
    options["prepare_threshold"] = None
    try:
        connection.close()
        # Then its session keeps the server's default, and each transaction of the path sets them
        assert _plan_cache_mode() == "auto"
        statements = Statements()
        with connection.execute_wrapper(statements):
            assert dialer.post(URL, {"phone_id": debts[1].phone.pk}).status_code == 201
        assert statements[1] == "BEGIN" and "set_config('plan_cache_mode', 'force_generic_plan', true)" in statements[2]
        assert _plan_cache_mode() == "auto"
    finally:
        options["prepare_threshold"] = threshold
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statements_of_a_transaction_in_round_trips_are_never_planned_parallel() -> None:
    # A generic plan is kept for the connection's life: one made while a partitioned table's statistics
    # were young planned a parallel append for the history of one borrower (12 ms of starting workers
    # for 0.1 ms of work, every dial); the session's own setting (reports, COB) stays as it was.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        session = cursor.fetchone()[0]
    assert session != "0"  # PostgreSQL's default (2) on the test server

    with trips() as batches:
        batches.add(
            "SELECT current_setting('max_parallel_workers_per_gather'), current_setting('jit'), "
            "current_setting('plan_cache_mode')"
        )
        (rows,) = batches.trip(commit=True)

    assert rows == [("0", "off", "force_generic_plan")]
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == session
