"""Properties of the waterfall (``accounts.services.waterfall.allocate``) over random schedules and payments."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.services.waterfall import COMPONENTS, Slot, allocate

ZERO = Decimal("0.00")
cents = st.integers(min_value=0, max_value=50_000).map(lambda c: Decimal(c) / 100)
positive_cents = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c) / 100)


@st.composite
def schedules(draw: st.DrawFn) -> list[Slot]:
    """1-8 installments due a month or so apart, each owing random components (some zero)."""
    count = draw(st.integers(min_value=1, max_value=8))
    due = date(2026, 1, 1)
    slots = []
    for n in range(count):
        due += timedelta(days=draw(st.integers(min_value=1, max_value=40)))
        slots.append(Slot(installment_id=n + 1, due_date=due, due={c: draw(cents) for c in COMPONENTS}))
    return slots


payment_lists = st.lists(positive_cents, min_size=1, max_size=6).map(
    lambda amounts: [(n + 1, amount, date(2026, 1, 1) + timedelta(days=n)) for n, amount in enumerate(amounts)]
)


@settings(max_examples=300, deadline=None)
@given(slots=schedules(), payments=payment_lists)
def test_the_waterfall_applies_every_cent_once_never_beyond_a_due_and_oldest_first(slots, payments):
    # given the amounts owed
    owed = {s.installment_id: dict(s.due) for s in slots}

    # when
    applied, unapplied = allocate(slots, payments)

    # then every payment is either allocated or unapplied, to the cent
    by_payment: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in applied:
        by_payment[a.payment_id] += sum(a.amounts.values(), ZERO)
    for payment_id, amount, _value_date in payments:
        assert by_payment[payment_id] + unapplied[payment_id] == amount
        assert unapplied[payment_id] >= 0
    assert sum(by_payment.values(), ZERO) + sum(unapplied.values(), ZERO) == sum(p[1] for p in payments)

    # nothing is paid beyond its due, and the allocations add up to what the slots say is paid
    paid: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(COMPONENTS, ZERO))
    for a in applied:
        for component, value in a.amounts.items():
            assert value >= 0
            paid[a.installment_id][component] += value
    for slot in slots:
        for component in COMPONENTS:
            assert paid[slot.installment_id][component] == slot.paid[component] <= owed[slot.installment_id][component]

    # oldest first: an installment receives money only once every earlier one is fully paid
    ordered = sorted(slots, key=lambda s: s.due_date)
    for later_index, later in enumerate(ordered):
        if any(later.paid.values()):
            assert all(not earlier.open for earlier in ordered[:later_index])

    # within one: a component receives money only once the components before it are fully paid
    for slot in slots:
        for index, component in enumerate(COMPONENTS):
            if slot.paid[component] > 0:
                assert all(slot.remaining(before) == 0 for before in COMPONENTS[:index])

    # money stays unapplied only when nothing is left to pay
    if any(unapplied.values()):
        assert not any(slot.open for slot in slots)
