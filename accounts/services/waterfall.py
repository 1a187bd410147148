"""The payment waterfall: posted payments over a loan's installments.

Default order (DESIGN.md section 2): oldest installment first; within one, penalty, fee,
interest, principal. Allocation is a pure function of the schedule and the posted payments in
value order, so a reversal, a back-dated payment or a changed schedule is handled by
reallocating the loan (``loans_reallocate``), a few rows per loan, in bulk for many loans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import ZERO, Installment, LoanAccount, Payment, PaymentAllocation
from accounts.services.bulk import objects_update

COMPONENTS = ("penalty", "fee", "interest", "principal")


@dataclass
class Slot:
    """What one installment owes per component, and what has been applied so far."""

    installment_id: int
    due_date: date
    due: dict[str, Decimal]
    paid: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, ZERO))
    settled_on: date | None = None
    last_paid_on: date | None = None

    def remaining(self, component: str) -> Decimal:
        return self.due[component] - self.paid[component]

    @property
    def open(self) -> bool:
        return any(self.remaining(c) > 0 for c in COMPONENTS)


@dataclass
class Applied:
    payment_id: int
    installment_id: int
    value_date: date
    amounts: dict[str, Decimal]


def allocate(
    slots: Sequence[Slot], payments: Iterable[tuple[int, Decimal, date]]
) -> tuple[list[Applied], dict[int, Decimal]]:
    """Apply ``(payment_id, amount, value_date)`` in the given order over ``slots`` (due-date order).

    Mutates the slots' paid amounts and settle dates. Returns the allocations and, per payment,
    the amount that found nothing left to pay (unapplied).
    """
    applied: list[Applied] = []
    unapplied: dict[int, Decimal] = {}
    for payment_id, amount, value_date in payments:
        left = amount
        for slot in slots:
            if left <= 0:
                break
            if not slot.open:
                continue
            parts = dict.fromkeys(COMPONENTS, ZERO)
            for component in COMPONENTS:
                take = min(left, slot.remaining(component))
                if take > 0:
                    parts[component] = take
                    slot.paid[component] += take
                    left -= take
            if any(parts.values()):
                slot.last_paid_on = value_date
                applied.append(Applied(payment_id, slot.installment_id, value_date, parts))
                if not slot.open:
                    slot.settled_on = value_date
        unapplied[payment_id] = left
    return applied, unapplied


@transaction.atomic
def loans_reallocate(*, loan_ids: Iterable[int]) -> None:
    """Recompute every allocation of the given loans from their schedules and posted payments.

    Three reads and three bulk writes whatever the number of loans. Also marks a loan paid off
    when nothing is left to pay (and active again if a reversal reopens it). The caller should
    hold the loans' rows locked (``select_for_update``) when payments may arrive concurrently.
    """
    loan_ids = sorted(set(loan_ids))
    if not loan_ids:
        return
    slots_by_loan: dict[int, list[Slot]] = defaultdict(list)
    installments = list(Installment.objects.filter(loan_id__in=loan_ids).order_by("loan_id", "due_date", "seq"))
    for inst in installments:
        slots_by_loan[inst.loan_id].append(
            Slot(
                installment_id=inst.pk,
                due_date=inst.due_date,
                due={
                    "penalty": inst.penalty_due,
                    "fee": inst.fee_due,
                    "interest": inst.interest_due,
                    "principal": inst.principal_due,
                },
            )
        )
    payments_by_loan: dict[int, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.filter(loan_id__in=loan_ids, status=Payment.Status.POSTED).order_by(
        "value_date", "received_at", "id"
    ):
        payments_by_loan[payment.loan_id].append(payment)

    allocations: list[PaymentAllocation] = []
    unapplied: dict[int, Decimal] = {}
    for loan_id in loan_ids:
        slots = slots_by_loan.get(loan_id, [])
        applied, left = allocate(
            slots, ((p.pk, p.amount, p.value_date) for p in payments_by_loan.get(loan_id, []))
        )
        unapplied.update(left)
        allocations.extend(
            PaymentAllocation(
                payment_id=a.payment_id,
                installment_id=a.installment_id,
                value_date=a.value_date,
                total=sum(a.amounts.values(), ZERO),
                **a.amounts,
            )
            for a in applied
        )

    slot_by_id = {s.installment_id: s for slots in slots_by_loan.values() for s in slots}
    paid_fields = ["penalty_paid", "fee_paid", "interest_paid", "principal_paid", "settled_on", "last_paid_on"]
    changed_installments = []
    for inst in installments:
        slot = slot_by_id[inst.pk]
        before = [getattr(inst, name) for name in paid_fields]
        inst.penalty_paid = slot.paid["penalty"]
        inst.fee_paid = slot.paid["fee"]
        inst.interest_paid = slot.paid["interest"]
        inst.principal_paid = slot.paid["principal"]
        inst.settled_on = slot.settled_on
        inst.last_paid_on = slot.last_paid_on
        if [getattr(inst, name) for name in paid_fields] != before:
            changed_installments.append(inst)

    PaymentAllocation.objects.filter(installment__loan_id__in=loan_ids).delete()
    objects_update(Installment, changed_installments, paid_fields)
    PaymentAllocation.objects.bulk_create(allocations, batch_size=1000)
    reallocated = Payment.objects.filter(pk__in=list(unapplied))
    changed = [p for p in reallocated if p.unapplied_amount != unapplied[p.pk]]
    for p in changed:
        p.unapplied_amount = unapplied[p.pk]
    Payment.objects.bulk_update(changed, ["unapplied_amount"], batch_size=1000)
    _loans_update_paid_off(loan_ids, slots_by_loan)


def _loans_update_paid_off(loan_ids: list[int], slots_by_loan: dict[int, list[Slot]]) -> None:
    paid_off_on: dict[int, date] = {}
    reopened: list[int] = []
    for loan_id in loan_ids:
        slots = slots_by_loan.get(loan_id, [])
        if slots and not any(s.open for s in slots):
            paid_off_on[loan_id] = max(s.settled_on for s in slots if s.settled_on)
        else:
            reopened.append(loan_id)
    loans = list(LoanAccount.objects.filter(pk__in=loan_ids, status__in=[LoanAccount.Status.ACTIVE, LoanAccount.Status.PAID_OFF]))
    changed = []
    for loan in loans:
        if loan.pk in paid_off_on and (loan.status, loan.closed_on) != (LoanAccount.Status.PAID_OFF, paid_off_on[loan.pk]):
            loan.status, loan.closed_on = LoanAccount.Status.PAID_OFF, paid_off_on[loan.pk]
            changed.append(loan)
        elif loan.pk in reopened and loan.status == LoanAccount.Status.PAID_OFF:
            loan.status, loan.closed_on = LoanAccount.Status.ACTIVE, None
            changed.append(loan)
    LoanAccount.objects.bulk_update(changed, ["status", "closed_on"], batch_size=1000)
