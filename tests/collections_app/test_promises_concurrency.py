"""Two agents (or an agent and the dialer) recording a promise on one case at once: one wins, one is told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from collections_app.models import Case, ContactAttempt, PromiseToPay
from collections_app.services.promise_policy import promise_policies_ensure
from collections_app.services.promises import promise_create
from config.errors import DomainError
from scheduling.presets import presets_ensure
from tests.collections_app.promise_book import make_case
from tests.concurrency import at_once
from tests.factories import make_agent, make_team

RACERS = 4
TODAY = dt.date(2026, 3, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_promises_on_one_case_record_exactly_one() -> None:
    # Given an open case without a promise
    presets_ensure()
    promise_policies_ensure()
    case = make_case(make_agent(make_team("M1 Team", ["M1"]), "ann"))
    call = ContactAttempt.objects.create(  # the dialer's call that reached the borrower
        case=case, account=case.account, phone=case.account.borrower.phones.get(),
        placed_at=timezone.now() - dt.timedelta(minutes=5), status=ContactAttempt.Status.COMPLETED,
        right_party_contact=True, conversation=True,
    )  # fmt: skip

    def ready(index: int) -> tuple[str, Case]:
        return "dialer" if index % 2 else "agent", Case.objects.get(pk=case.pk)

    def record(given: tuple[str, Case]) -> str:
        source, mine = given
        try:
            promise_create(
                case=mine, parts=[(TODAY + dt.timedelta(days=3), Decimal("100.00"))], source=source,
                attempt=call if source == "dialer" else None, today=TODAY,
            )  # fmt: skip
        except DomainError as refusal:
            return refusal.code
        return "recorded"

    # When four promises arrive at once
    outcomes = at_once(RACERS, record, ready=ready)

    # Then one is recorded and the others are refused as a conflict (the case row is locked while the open promise is looked for)
    assert sorted(outcomes) == ["conflict"] * (RACERS - 1) + ["recorded"]
    assert PromiseToPay.objects.filter(case=case).count() == 1
