"""Cases follow the book: opened when an account reaches DPD 1, closed when it leaves."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery

from accounts.models import LoanAccount
from collections_app.models import Case

CLOSE_REASON_BY_STATUS = {
    LoanAccount.Status.PAID_OFF: Case.CloseReason.PAID_OFF,
    LoanAccount.Status.SETTLED: Case.CloseReason.SETTLED,
    LoanAccount.Status.CHARGED_OFF: Case.CloseReason.CHARGED_OFF,
}


@transaction.atomic
def cases_sync_with_book(*, business_date: date) -> dict[str, int]:
    """Open, refresh and close cases from the accounts' state after COB. Set-based.

    Runs inside COB's transaction for the latest business date; a second run changes nothing.
    """
    # "Active as of the date": a loan closed later (paid off next month, say) was active then, so a
    # replay of history opens and closes its cases as they happened.
    active_then = Q(status=LoanAccount.Status.ACTIVE) | Q(closed_on__gt=business_date)
    account_active_then = Q(account__status=LoanAccount.Status.ACTIVE) | Q(account__closed_on__gt=business_date)
    closed = 0
    for status, reason in CLOSE_REASON_BY_STATUS.items():
        closed += (
            Case.objects.filter(status=Case.Status.OPEN, account__status=status)
            .exclude(account_active_then)
            .update(status=Case.Status.CLOSED, closed_on=business_date, close_reason=reason)
        )
    closed += (
        Case.objects.filter(status=Case.Status.OPEN, account__dpd=0)
        .filter(account_active_then)
        .update(status=Case.Status.CLOSED, closed_on=business_date, close_reason=Case.CloseReason.CURED)
    )

    open_cases = Case.objects.filter(account=OuterRef("pk"), status=Case.Status.OPEN)
    to_open = (
        LoanAccount.objects.filter(active_then, dpd__gt=0)
        .filter(~Exists(open_cases))
        .values_list("pk", "bucket", "dpd", "overdue_amount", "delinquent_since")
    )
    created = Case.objects.bulk_create(
        (
            Case(account_id=pk, bucket=bucket, dpd=dpd, overdue_amount=overdue, opened_on=since or business_date)
            for pk, bucket, dpd, overdue, since in to_open.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )
    refreshed = (
        Case.objects.filter(status=Case.Status.OPEN)
        .filter(~Q(bucket=F("account__bucket")) | ~Q(dpd=F("account__dpd")) | ~Q(overdue_amount=F("account__overdue_amount")))
        .update(bucket=_account_field("bucket"), dpd=_account_field("dpd"), overdue_amount=_account_field("overdue_amount"))
    )
    return {"opened": len(created), "closed": closed, "refreshed": refreshed}


def _account_field(name: str) -> Subquery:
    return Subquery(LoanAccount.objects.filter(pk=OuterRef("account_id")).values(name)[:1])
