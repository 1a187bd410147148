"""Eight dialers authorizing the same debts at once: no debt exceeds its cap, every request is accounted for."""

from __future__ import annotations

from collections import Counter

import pytest
from rest_framework.test import APIClient

from collections_app.models import ContactAttempt, DialAuthorization
from collections_app.services.integrations import integration_create
from scheduling.models import DebtContactCounter
from scheduling.presets import presets_ensure
from tests.api.conftest import Clock, open_case_debt
from tests.concurrency import at_once

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

    def ready(index: int) -> tuple[int, APIClient]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        return index, client

    def dialer(given: tuple[int, APIClient]) -> list[tuple[int, int]]:
        index, client = given
        statuses = []
        for request in range(REQUESTS_EACH):
            debt = debts[(index + request) % len(debts)]
            response = client.post("/api/v1/dialer/dial-authorizations/", {"phone_id": debt.phone.pk}, format="json")
            statuses.append((debt.phone.pk, response.status_code))
        return statuses

    # When they all ask at once, several times each
    statuses = [answer for answers in at_once(DIALERS, dialer, ready=ready) for answer in answers]

    # Then every request was answered yes or no, never an error
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

    def ready(index: int) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        return client

    def dialer(client: APIClient) -> int:
        response = client.post("/api/v1/dialer/dial-authorizations/", {"phone_id": debt.phone.pk}, format="json")
        return response.status_code

    # When eight dialers ask for it at the same moment
    statuses = at_once(DIALERS, dialer, ready=ready)

    # Then exactly two are granted, the others refused, and the debt has its seven attempts
    assert sorted(statuses) == [201] * 2 + [409] * (DIALERS - 2), statuses
    assert ContactAttempt.objects.filter(account=debt.account).count() == WEEKLY_CAP
    assert DebtContactCounter.objects.get(account=debt.account).reservations == 2
