"""The life of a reservation: reserved, then completed, released as not dialed, or expired."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collections_app.models import ContactAttempt
from collections_app.services.attempts import (
    AttemptOutcome,
    attempt_complete,
    attempt_release,
    attempt_reserve,
    attempts_expire,
)
from config.errors import DomainError
from scheduling.engine import evaluate
from scheduling.engine.policies import policies_changed
from scheduling.models import DebtContactCounter
from tests.scheduling.conftest import Debt, call, local

NY = "America/New_York"
pytestmark = pytest.mark.django_db


def test_a_reservation_creates_the_debts_counter_row_and_bumps_it(new_yorker: Debt) -> None:
    attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 11))

    counter = DebtContactCounter.objects.get(account=new_yorker.account)
    assert counter.reservations == 2
    assert counter.last_reserved_at == local(NY, 2026, 4, 7, 11)


def test_a_completed_call_cannot_be_released(new_yorker: Debt) -> None:
    attempt = call(new_yorker, local(NY, 2026, 4, 7, 10), answered=True)

    with pytest.raises(DomainError) as refused:
        attempt_release(attempt, outcome="not_dialed")

    assert refused.value.code == "attempt_reported"
    attempt.refresh_from_db()
    assert attempt.status == ContactAttempt.Status.COMPLETED


def test_releasing_twice_is_harmless(new_yorker: Debt) -> None:
    _, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    assert attempt is not None

    attempt_release(attempt)
    again = attempt_release(attempt)

    assert again.status == ContactAttempt.Status.NOT_DIALED


def test_an_expired_reservation_still_counts_as_an_attempt(new_yorker: Debt) -> None:
    for minute in range(0, 56, 8):
        attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10, minute))

    expired = attempts_expire(now=local(NY, 2026, 4, 7, 12))

    assert expired == 7
    assert evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 13)).codes == ["weekly_cap"]


def test_an_outcome_that_cannot_be_true_is_refused_and_nothing_changes(new_yorker: Debt) -> None:
    _, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    assert attempt is not None

    with pytest.raises(DomainError) as refused:
        attempt_complete(attempt=attempt, outcome=AttemptOutcome(answered_at=local(NY, 2026, 4, 7, 9), conversation=True))

    assert set(refused.value.errors) == {"answered_at"}
    with pytest.raises(DomainError) as no_answer:
        attempt_complete(attempt=attempt, outcome=AttemptOutcome(conversation=True))
    assert set(no_answer.value.errors) == {"conversation"}
    attempt.refresh_from_db()
    assert attempt.status == ContactAttempt.Status.RESERVED


def test_a_case_about_another_account_is_refused(new_yorker: Debt) -> None:
    from collections_app.models import Case
    from tests.factories import LoanFactory

    other = LoanFactory(borrower=new_yorker.borrower)
    case = Case.objects.create(account=other, opened_on=dt.date(2026, 4, 1), bucket="M1", dpd=6)

    with pytest.raises(DomainError):
        attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10), case=case, account=new_yorker.account)


def test_the_open_case_of_the_debt_is_attached_to_the_attempt(new_yorker: Debt) -> None:
    from collections_app.models import Case

    case = Case.objects.create(account=new_yorker.account, opened_on=dt.date(2026, 4, 1), bucket="M1", dpd=6)

    _, attempt = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10), source="dialer")

    assert attempt is not None and attempt.case == case


def test_a_decision_and_a_reservation_cost_a_fixed_handful_of_queries(
    new_yorker: Debt, django_capture_on_commit_callbacks: Any
) -> None:
    for day in range(1, 7):
        call(new_yorker, local(NY, 2026, 4, day, 10))
    with django_capture_on_commit_callbacks(execute=True):
        policies_changed()  # as after a committed change: the process holds the policies from here
    evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10), account=new_yorker.account)

    with CaptureQueriesContext(connection) as deciding:
        evaluate(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10), account=new_yorker.account)
    with CaptureQueriesContext(connection) as reserving:
        attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10), account=new_yorker.account)

    # the borrower's preferences, the debt's open promise (the promise hold) and the attempt history
    # (the policies are held by the process)
    assert len(deciding.captured_queries) == 3
    # the same three, plus: accounts and counters, the lock, the insert and the bump; on PostgreSQL
    # the lock creates a missing counter row and the insert and the bump are one statement, sent with
    # the commit, and the transaction sets its serial plans in its first trip (the connection keeps its
    # statements' generic plans since it was made)
    assert len(reserving.captured_queries) == 7


def test_the_expiry_task_marks_only_overdue_reservations(new_yorker: Debt) -> None:
    from collections_app.tasks import reservations_expire_task

    _, old = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 10))
    _, fresh = attempt_reserve(phone=new_yorker.phone, at=local(NY, 2026, 4, 7, 11), ttl=dt.timedelta(days=3650))
    assert old is not None and fresh is not None

    assert reservations_expire_task.delay().get() == 1
    assert reservations_expire_task.delay().get() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (ContactAttempt.Status.EXPIRED, ContactAttempt.Status.RESERVED)
