"""Eight dialers authorizing the same debts at once: no debt exceeds its cap, every request is accounted for."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from collections_app.models import ContactAttempt, DialAuthorization
from collections_app.services.integrations import integration_create
from scheduling.models import DebtContactCounter
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, open_case_debt

DIALERS = 8
REQUESTS_EACH = 6
WEEKLY_CAP = 7  # US Reg F: 7 attempts per debt in 7 days


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_dialers_racing_for_three_debts_never_pass_the_weekly_cap(clock: Clock) -> None:
    # Given three debts (one with five of its seven attempts used) and eight dialer integrations
    presets_ensure()
    debts = [open_case_debt() for _ in range(3)]
    tokens = [integration_create(name=f"dialer-{n}")[1] for n in range(DIALERS)]
    warm = APIClient()
    warm.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    for _ in range(5):
        assert warm.post("/api/v1/dialer/dial-authorizations/", {"phone_id": debts[0].phone.pk}, format="json").status_code == 201
    start = threading.Barrier(DIALERS)
    statuses: list[tuple[int, int]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def dialer(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        try:
            start.wait(timeout=30)
            for request in range(REQUESTS_EACH):
                debt = debts[(index + request) % len(debts)]
                response = client.post(
                    "/api/v1/dialer/dial-authorizations/", {"phone_id": debt.phone.pk}, format="json"
                )
                with lock:
                    statuses.append((debt.phone.pk, response.status_code))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    # When they all ask at once, several times each
    threads = [threading.Thread(target=dialer, args=(index,)) for index in range(DIALERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then every request was answered yes or no, never an error
    assert not failures, failures
    assert len(statuses) == DIALERS * REQUESTS_EACH
    by_status = Counter(code for _phone, code in statuses)
    assert set(by_status) <= {201, 409}, by_status
    # and no debt has more attempts than the policy allows
    for debt in debts:
        assert ContactAttempt.objects.filter(account=debt.account).count() <= WEEKLY_CAP
    assert ContactAttempt.objects.filter(account=debts[0].account).count() == WEEKLY_CAP
    # and every authorization granted is one attempt, every refusal none
    granted = by_status[201]
    assert DialAuthorization.objects.count() == granted + 5
    assert ContactAttempt.objects.count() == granted + 5
    assert granted + by_status[409] == DIALERS * REQUESTS_EACH
    assert granted == 2 + WEEKLY_CAP + WEEKLY_CAP


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_dialers_racing_for_the_last_two_attempts_of_a_debt_without_its_counter_row_get_two(
    clock: Clock,
) -> None:
    # Given a debt with five of its seven weekly attempts used and no counter row yet (as an attempt
    # recorded before the counters existed leaves it): the first of the racing dialers creates it
    presets_ensure()
    debt = open_case_debt()
    tokens = [integration_create(name=f"dialer-{n}")[1] for n in range(DIALERS)]
    warm = APIClient()
    warm.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    for _ in range(5):
        assert warm.post("/api/v1/dialer/dial-authorizations/", {"phone_id": debt.phone.pk}, format="json").status_code == 201
    DebtContactCounter.objects.filter(account=debt.account).delete()
    start = threading.Barrier(DIALERS)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def dialer(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        try:
            start.wait(timeout=30)
            response = client.post("/api/v1/dialer/dial-authorizations/", {"phone_id": debt.phone.pk}, format="json")
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    # When eight dialers ask for it at the same moment
    threads = [threading.Thread(target=dialer, args=(index,)) for index in range(DIALERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then exactly two are granted, the others refused, and the debt has its seven attempts
    assert not failures, failures
    assert sorted(statuses) == [201] * 2 + [409] * (DIALERS - 2), statuses
    assert ContactAttempt.objects.filter(account=debt.account).count() == WEEKLY_CAP
    assert DebtContactCounter.objects.get(account=debt.account).reservations == 2
