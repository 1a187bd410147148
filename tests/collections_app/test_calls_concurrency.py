"""A double click on Call places one call: the case row is locked while the open call is looked for."""

from __future__ import annotations

import pytest

from accounts.models import Phone
from collections_app.models import Case, ContactAttempt
from collections_app.services.calls import call_place
from config.errors import DomainError
from scheduling.presets import presets_ensure
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, first_phone, open_case
from tests.concurrency import at_once
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

    def ready(_index: int) -> tuple[Case, Phone]:
        mine = Case.objects.select_related("account__borrower").get(pk=case.pk)
        return mine, Phone.objects.select_related("borrower").get(pk=phone.pk)

    def press(given: tuple[Case, Phone]) -> str:
        mine, number = given
        try:
            placed = call_place(case=mine, phone=number, actor=ann.user, at=MORNING)
        except DomainError as refusal:
            return refusal.code
        return "placed" if placed.attempt else "refused"

    # When the agent's Call arrives six times at once
    outcomes = at_once(PRESSES, press, ready=ready)

    # Then one call is placed and the others are told to finish it first
    assert sorted(outcomes) == ["call_open"] * (PRESSES - 1) + ["placed"]
    assert ContactAttempt.objects.filter(case=case).count() == 1
