"""A double click on Call places one call: the case row is locked while the open call is looked for."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt
from collections_app.services.calls import call_place
from config.errors import DomainError
from scheduling.presets import presets_ensure
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, first_phone, open_case
from tests.factories import make_agent, make_team

PRESSES = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_simultaneous_presses_of_call_reserve_one_attempt() -> None:
    # Given an agent's case with a number that may be called now
    presets_ensure()
    dispositions_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = open_case(ann)
    phone = first_phone(case)
    start = threading.Barrier(PRESSES)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def press() -> None:
        try:
            mine = Case.objects.select_related("account__borrower").get(pk=case.pk)
            number = Phone.objects.select_related("borrower").get(pk=phone.pk)
            start.wait(timeout=30)
            try:
                placed = call_place(case=mine, phone=number, actor=ann.user, at=MORNING)
                outcomes.append("placed" if placed.attempt else "refused")
            except DomainError as refusal:
                outcomes.append(refusal.code)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    # When the agent's Call arrives six times at once
    threads = [threading.Thread(target=press) for _ in range(PRESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then one call is placed and the others are told to finish it first
    assert not failures, failures
    assert sorted(outcomes) == ["call_open"] * (PRESSES - 1) + ["placed"]
    assert ContactAttempt.objects.filter(case=case).count() == 1
