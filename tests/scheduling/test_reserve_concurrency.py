"""Race safety: the check and the reservation are one transaction holding the debt's row lock."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Phone
from collections_app.models import ContactAttempt
from collections_app.services.attempts import attempt_reserve
from scheduling.presets import presets_ensure
from tests.concurrency import at_once
from tests.scheduling.conftest import call, local, make_debt

NY = "America/New_York"
DIALERS = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_dialers_racing_for_the_last_two_attempts_of_a_debt_get_exactly_two() -> None:
    # Given a debt with five of its seven weekly attempts used
    presets_ensure()
    debt = make_debt()
    for hour in range(9, 14):
        call(debt, local(NY, 2026, 4, 6, hour))
    at = local(NY, 2026, 4, 6, 15)

    def ready(index: int) -> tuple[int, Phone]:
        return index, Phone.objects.select_related("borrower").get(pk=debt.phone.pk)

    def dial(given: tuple[int, Phone]) -> bool:
        index, phone = given
        _, attempt = attempt_reserve(
            phone=phone, at=at + dt.timedelta(seconds=index), source="dialer", external_id=f"race-{index}"
        )
        return attempt is not None

    # When sixteen dialers ask at the same moment
    granted = at_once(DIALERS, dial, ready=ready)

    # Then exactly two get an attempt, and the debt has seven
    assert len(granted) == DIALERS
    assert granted.count(True) == 2
    assert (
        ContactAttempt.objects.filter(account=debt.account, status=ContactAttempt.Status.RESERVED).count()
        == 2
    )
    assert ContactAttempt.objects.filter(account=debt.account).count() == 7
