"""Posting and reversing payments. Idempotent by the payment's external id."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, LoanAccount, Payment
from accounts.services.audit import audit_record
from accounts.services.waterfall import loans_reallocate
from config.errors import DomainError, ErrorCode

# How far ahead of our clock a payment's ``received_at`` may be: the core system's clock may run a
# little fast; a payment dated later than that has not been received.
CLOCK_SKEW = timedelta(minutes=5)


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


def error_path(path: str, name: str) -> str:
    """``payments[2]`` + ``amount`` -> ``payments[2].amount``; an empty path is the field alone."""
    return f"{path}.{name}" if path else name


@dataclass
class PostResult:
    payments: list[Payment]
    created: list[bool]


@dataclass
class PaymentProblems:
    """Why a batch of payments cannot be posted, keyed by path; ``conflicts`` are the paths whose only
    problem is an external id already used with other values."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def only_conflicts(self) -> bool:
        return bool(self.errors) and set(self.errors) <= self.conflicts


def payments_validate(
    *,
    items: Sequence[PaymentIn],
    paths: Sequence[str] | None = None,
    loans_known: Collection[str] | None = None,
) -> PaymentProblems:
    """Every reason ``items`` cannot be posted; reads only, writes nothing.

    ``paths`` names each item in the errors (default ``payments[i]``). ``loans_known`` are the loan
    external ids that will exist when the payments are posted (a book import creates its loans
    first); None looks them up in the book.
    """
    paths = list(paths) if paths is not None else [f"payments[{index}]" for index in range(len(items))]
    problems = PaymentProblems()
    latest = timezone.now() + CLOCK_SKEW
    for path, item in zip(paths, items, strict=True):
        if item.amount <= 0:
            problems.add(error_path(path, "amount"), _("must be greater than zero"))
        if timezone.is_naive(item.received_at):
            problems.add(error_path(path, "received_at"), _("must carry a time zone offset"))
        elif item.received_at > latest:
            problems.add(
                error_path(path, "received_at"),
                _("is in the future: a payment is posted once received"),
            )
        if item.channel not in Payment.Channel.values:
            problems.add(
                error_path(path, "channel"), _("unknown channel %(channel)r") % {"channel": item.channel}
            )
    if loans_known is None:
        loans_known = set(
            LoanAccount.objects.filter(external_id__in={i.loan_external_id for i in items}).values_list(
                "external_id", flat=True
            )
        )
    existing = {
        external_id: (loan, amount, received_at, channel)
        for external_id, loan, amount, received_at, channel in Payment.objects.filter(
            external_id__in={i.external_id for i in items}
        ).values_list("external_id", "loan__external_id", "amount", "received_at", "channel")
    }
    seen: dict[str, PaymentIn] = {}
    for path, item in zip(paths, items, strict=True):
        if item.loan_external_id not in loans_known:
            problems.add(
                error_path(path, "loan"),
                _("no loan with external id %(loan)r") % {"loan": item.loan_external_id},
            )
        prior = existing.get(item.external_id)
        if prior is not None and prior != (
            item.loan_external_id,
            item.amount,
            item.received_at,
            item.channel,
        ):
            key = error_path(path, "external_id")
            problems.add(key, _("payment %(id)r exists already with other values") % {"id": item.external_id})
            problems.conflicts.add(key)
        if item.external_id in seen and seen[item.external_id] != item:
            problems.add(
                error_path(path, "external_id"),
                _("payment %(id)r appears twice with other values") % {"id": item.external_id},
            )
        seen.setdefault(item.external_id, item)
    return problems


@transaction.atomic
def payments_post(
    *,
    items: list[PaymentIn],
    actor_label: str = "",
    actor: AbstractBaseUser | AnonymousUser | None = None,
    paths: Sequence[str] | None = None,
) -> PostResult:
    """Post a batch of payments, all or nothing, and reallocate the loans they touch.

    A payment whose external id exists already with the same loan, amount, instant and channel is
    the same payment (idempotent replay: nothing is written); with other values it is refused,
    with status 409 when that is the only problem. Locks the touched loans (``select_for_update``).
    """
    loans = {
        loan.external_id: loan
        for loan in LoanAccount.objects.select_for_update()
        .select_related("borrower")
        .filter(external_id__in={i.loan_external_id for i in items})
        .order_by("pk")
    }
    problems = payments_validate(items=items, paths=paths, loans_known=set(loans))
    if problems.errors:
        conflict = problems.only_conflicts
        raise DomainError(
            _("The payments were not posted; nothing was written."),
            errors=problems.errors,
            code=ErrorCode.CONFLICT if conflict else ErrorCode.INVALID,
        )

    existing = set(
        Payment.objects.filter(external_id__in={i.external_id for i in items}).values_list(
            "external_id", flat=True
        )
    )
    unique = {item.external_id: item for item in items}
    new = [
        Payment(
            external_id=item.external_id,
            loan=loans[item.loan_external_id],
            amount=item.amount,
            received_at=item.received_at,
            value_date=value_date_for(item.received_at, loans[item.loan_external_id].borrower.timezone),
            channel=item.channel,
        )
        for item in unique.values()
        if item.external_id not in existing
    ]
    Payment.objects.bulk_create(new, batch_size=1000)
    loans_reallocate(loan_ids={p.loan_id for p in new})
    by_external = {
        p.external_id: p for p in Payment.objects.select_related("loan").filter(external_id__in=list(unique))
    }
    user: Any = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=user,
                actor_label=actor_label or (getattr(user, "username", "") if user else ""),
                action="payment.posted",
                object_type=Payment._meta.label_lower,
                object_id=str(by_external[payment.external_id].pk),
                after={"amount": str(payment.amount), "loan": payment.loan.external_id},
            )
            for payment in new
        ],
        batch_size=1000,
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
