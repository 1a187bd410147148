"""The account screen's summary, computed from the book at the borrower's date: what is due now,
what pays the loan off, the last payment, the open promise and the borrower's other loans.

Every amount is in the loan's own currency; the other loans' totals are kept per currency
(``Amounts``), never added across currencies. Two or three queries, whatever the schedule's length
and the number of loans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Installment, LoanAccount, Payment
from collections_app.models import Case, PromisePart, PromiseToPay
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.money import ZERO, Amounts

MONEY = DecimalField(max_digits=16, decimal_places=2)
REMAINING = (
    F("principal_due") + F("interest_due") + F("fee_due") + F("penalty_due")
    - F("principal_paid") - F("interest_paid") - F("fee_paid") - F("penalty_paid")
)  # fmt: skip
PRINCIPAL_LEFT = F("principal_due") - F("principal_paid")


@dataclass(frozen=True)
class PromiseState:
    promise: PromiseToPay
    # "upcoming": before the date of its next open part; "due": from that date to the end of its grace
    phase: str
    days_to_date: int


@dataclass(frozen=True)
class LastPayment:
    amount: Decimal
    value_date: dt.date


@dataclass(frozen=True)
class OtherLoan:
    account: LoanAccount
    due_now: Decimal
    payoff: Decimal
    case_id: int | None  # its open case, when the user may open it


@dataclass
class AccountSummary:
    today: dt.date
    currency: str
    due_now: Decimal
    payoff: Decimal
    last_payment: LastPayment | None
    promise: PromiseState | None
    last_promise: PromiseToPay | None  # the latest settled one, when none is open
    other_loans: list[OtherLoan] = field(default_factory=list)

    @property
    def other_totals(self) -> list[tuple[str, Decimal, Decimal]]:
        """(currency, due now, payoff) of the other loans, one row per currency."""
        due = Amounts((loan.account.currency, loan.due_now) for loan in self.other_loans)
        payoff = Amounts((loan.account.currency, loan.payoff) for loan in self.other_loans)
        return [(currency, due[currency], payoff[currency]) for currency in sorted(set(payoff.currencies))]


def _installment_sum(expression: object, condition: Q) -> Coalesce:
    rows = Installment.objects.filter(condition, loan=OuterRef("pk")).order_by().values("loan")
    total = Subquery(rows.annotate(total=Sum(expression)).values("total")[:1], output_field=MONEY)
    return Coalesce(total, Value(ZERO, output_field=MONEY))


def _borrower_loans(account: LoanAccount, today: dt.date) -> list[LoanAccount]:
    """Every loan of the borrower with what it owes now, its principal not due yet, its open case and
    its last payment: one query."""
    last_payment = Payment.objects.filter(loan=OuterRef("pk"), status=Payment.Status.POSTED).order_by(
        "-value_date", "-received_at", "-pk"
    )
    open_case = Case.objects.filter(account=OuterRef("pk"), status=Case.Status.OPEN).order_by("-pk")
    return list(
        LoanAccount.objects.filter(borrower_id=account.borrower_id)
        .annotate(
            due_now=_installment_sum(REMAINING, Q(due_date__lte=today)),
            later_principal=_installment_sum(PRINCIPAL_LEFT, Q(due_date__gt=today)),
            open_case_id=Subquery(open_case.values("pk")[:1]),
            last_payment_amount=Subquery(last_payment.values("amount")[:1], output_field=MONEY),
            last_payment_date=Subquery(last_payment.values("value_date")[:1]),
        )
        .order_by("status", "-dpd", "external_id")
    )


def _promise_state(promise: PromiseToPay, today: dt.date) -> PromiseState:
    next_date = promise.next_date or promise.final_date  # type: ignore[attr-defined]
    days = (next_date - today).days
    return PromiseState(promise=promise, phase="upcoming" if days > 0 else "due", days_to_date=days)


def account_summary(
    *, account: LoanAccount, case: Case, today: dt.date, user: AbstractBaseUser | AnonymousUser
) -> AccountSummary:
    """The summary of ``account`` (``case`` is the one on screen) at the borrower's date ``today``.

    Due now: what the installments due on or before ``today`` still owe (principal, interest, fees
    and penalties). Payoff: that, plus the principal of the installments not due yet (interest and
    fees not due yet are not owed on an early payoff). Two queries, three with another loan's open case.
    """
    loans = _borrower_loans(account, today)
    this = next(loan for loan in loans if loan.pk == account.pk)
    next_part = PromisePart.objects.filter(promise=OuterRef("pk"), status=PromiseToPay.Status.OPEN).order_by("due_date")
    latest = (
        PromiseToPay.objects.filter(case=case)
        .annotate(next_date=Subquery(next_part.values("due_date")[:1]))
        .order_by("-pk")
        .first()
    )
    open_promise = latest if latest is not None and latest.status == PromiseToPay.Status.OPEN else None
    return AccountSummary(
        today=today,
        currency=account.currency,
        due_now=this.due_now,  # type: ignore[attr-defined]
        payoff=this.due_now + this.later_principal,  # type: ignore[attr-defined]
        last_payment=(
            LastPayment(amount=this.last_payment_amount, value_date=this.last_payment_date)  # type: ignore[attr-defined]
            if this.last_payment_amount is not None  # type: ignore[attr-defined]
            else None
        ),
        promise=_promise_state(open_promise, today) if open_promise is not None else None,
        last_promise=latest if open_promise is None else None,
        other_loans=_other_loans([loan for loan in loans if loan.pk != account.pk], user=user),
    )


def _other_loans(loans: list[LoanAccount], *, user: AbstractBaseUser | AnonymousUser) -> list[OtherLoan]:
    """The borrower's other loans, each with the open case the user may open (one query, if any)."""
    case_ids = [loan.open_case_id for loan in loans if loan.open_case_id]  # type: ignore[attr-defined]
    visible = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) if case_ids else set()
    return [
        OtherLoan(
            account=loan,
            due_now=loan.due_now,  # type: ignore[attr-defined]
            payoff=loan.due_now + loan.later_principal,  # type: ignore[attr-defined]
            case_id=loan.open_case_id if loan.open_case_id in visible else None,  # type: ignore[attr-defined]
        )
        for loan in loans
    ]
