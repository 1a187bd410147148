"""Vintage curves: for each origination month, the share of disbursed principal at M2 or worse by
months on book.

At each month-end (the last COB date of the month) and for each cohort (loans opened in one
calendar month, per product): loans and principal disbursed, the active accounts at M2+ in that
month-end's snapshot with their outstanding principal, and the accounts charged off by then with
their original principal. Share at M2+ = balance at M2+ / principal disbursed. Months on book =
calendar months from the origination month to the month-end's month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from accounts.models import ZERO, DelinquencySnapshot, LoanAccount
from collections_app.models import ReportVintage

from ..definitions import bucket_scale, month_end_cob, months_on_book
from .rows import rows_replace


def vintage_month_aggregate(*, month: dt.date) -> int:
    """Replace the vintage points at the month-end of ``month``."""
    as_of = month_end_cob(month)
    if as_of is None:
        return rows_replace(ReportVintage, where={"month": month}, rows=[])
    charged_off = Q(status=LoanAccount.Status.CHARGED_OFF, closed_on__lte=as_of)
    cohorts = (
        LoanAccount.objects.filter(opened_on__lte=as_of)
        .annotate(cohort=TruncMonth("opened_on"))
        .values_list("cohort", "product", "currency")
        .annotate(
            loans=Count("pk"),
            disbursed=Sum("principal"),
            co=Count("pk", filter=charged_off),
            co_principal=Sum("principal", filter=charged_off),
        )
        .order_by()
    )
    late: dict[tuple[dt.date, str, str], tuple[int, object]] = defaultdict(lambda: (0, ZERO))
    for cohort, product, currency, accounts, balance in (
        DelinquencySnapshot.objects.filter(date=as_of, status="active", bucket__in=bucket_scale().m2_and_worse)
        .annotate(cohort=TruncMonth("account__opened_on"))
        .values_list("cohort", "account__product", "account__currency")
        .annotate(accounts=Count("pk"), balance=Sum("outstanding_balance"))
        .order_by()
    ):
        late[(_as_date(cohort), product, currency)] = (accounts, balance or ZERO)
    rows = []
    for cohort, product, currency, loans, disbursed, co, co_principal in cohorts:
        cohort = _as_date(cohort)
        accounts, balance = late[(cohort, product, currency)]
        rows.append(
            ReportVintage(
                month=month, as_of=as_of, cohort=cohort, product=product, currency=currency,
                months_on_book=months_on_book(cohort, month), loans=loans, disbursed=disbursed or ZERO,
                accounts_m2plus=accounts, balance_m2plus=balance,
                accounts_charged_off=co, principal_charged_off=co_principal or ZERO,
            )
        )
    rows.sort(key=lambda row: (row.cohort, row.product, row.currency))
    return rows_replace(ReportVintage, where={"month": month}, rows=rows)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
