"""Posting and reversing payments. Idempotent by the payment's external id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import LoanAccount, Payment
from accounts.services.audit import audit_record
from accounts.services.waterfall import loans_reallocate
from config.errors import DomainError


@dataclass(frozen=True)
class PaymentIn:
    external_id: str
    loan_external_id: str
    amount: Decimal
    received_at: datetime
    channel: str


def value_date_for(received_at: datetime, tz_name: str) -> date:
    """The borrower's local calendar date of an instant."""
    return received_at.astimezone(ZoneInfo(tz_name)).date()


@dataclass
class PostResult:
    payments: list[Payment]
    created: list[bool]


@transaction.atomic
def payments_post(*, items: list[PaymentIn], actor_label: str = "") -> PostResult:
    """Post a batch of payments, all or nothing, and reallocate the loans they touch.

    A payment whose external id exists already with the same loan, amount and instant is the same
    payment (idempotent replay); with other values it is refused. Locks the touched loans.
    """
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        if item.amount <= 0:
            errors[f"payments[{index}].amount"] = ["Must be greater than zero."]
        if timezone.is_naive(item.received_at):
            errors[f"payments[{index}].received_at"] = ["Must carry a time zone offset."]
        if item.channel not in Payment.Channel.values:
            errors[f"payments[{index}].channel"] = [f"Unknown channel {item.channel!r}."]
    loans = {
        loan.external_id: loan
        for loan in LoanAccount.objects.select_for_update()
        .select_related("borrower")
        .filter(external_id__in={i.loan_external_id for i in items})
        .order_by("pk")
    }
    existing = {p.external_id: p for p in Payment.objects.filter(external_id__in={i.external_id for i in items})}
    seen: dict[str, PaymentIn] = {}
    for index, item in enumerate(items):
        if item.loan_external_id not in loans:
            errors[f"payments[{index}].loan"] = [f"No loan with external id {item.loan_external_id!r}."]
            continue
        prior = existing.get(item.external_id)
        if prior is not None and (
            prior.loan_id != loans[item.loan_external_id].pk
            or prior.amount != item.amount
            or prior.received_at != item.received_at
        ):
            errors[f"payments[{index}].external_id"] = [
                f"Payment {item.external_id!r} exists already with other values."
            ]
        if item.external_id in seen and seen[item.external_id] != item:
            errors[f"payments[{index}].external_id"] = [f"Payment {item.external_id!r} appears twice with other values."]
        seen[item.external_id] = item
    if errors:
        raise DomainError("The payments were not posted; nothing was written.", errors=errors)

    new = [
        Payment(
            external_id=item.external_id,
            loan=loans[item.loan_external_id],
            amount=item.amount,
            received_at=item.received_at,
            value_date=value_date_for(item.received_at, loans[item.loan_external_id].borrower.timezone),
            channel=item.channel,
        )
        for item in seen.values()
        if item.external_id not in existing
    ]
    Payment.objects.bulk_create(new, batch_size=1000)
    loans_reallocate(loan_ids={p.loan_id for p in new})
    by_external = {p.external_id: p for p in Payment.objects.filter(external_id__in=list(seen))}
    for payment in new:
        audit_record(
            action="payment.posted",
            obj=by_external[payment.external_id],
            actor_label=actor_label,
            after={"amount": str(payment.amount), "loan": payment.loan.external_id},
        )
    return PostResult(
        payments=[by_external[i.external_id] for i in items],
        created=[i.external_id not in existing for i in items],
    )


@transaction.atomic
def payment_reverse(*, payment: Payment, actor_label: str = "", reason: str = "") -> Payment:
    """Reverse (return) a posted payment and reallocate its loan. Reversing twice is a no-op."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.REVERSED:
        return payment
    LoanAccount.objects.select_for_update().filter(pk=payment.loan_id).first()
    payment.status = Payment.Status.REVERSED
    payment.reversed_at = timezone.now()
    payment.save(update_fields=["status", "reversed_at"])
    loans_reallocate(loan_ids=[payment.loan_id])
    audit_record(
        action="payment.reversed",
        obj=payment,
        actor_label=actor_label,
        before={"status": Payment.Status.POSTED},
        after={"status": Payment.Status.REVERSED},
        reason=reason,
    )
    return payment

