"""A small book with two closes of business, shared by the web and browser tests.from collections_app.services.close import book_close
On 2026-03-03 against 2026-03-02:
- L-A (due 2026-02-01, unpaid): M1 both days, overdue 4,300.00;
- L-B (due 2026-03-01): M1 on the 2nd, paid on the 3rd, so current (M0);
- L-C (due 2026-04-01): current both days;
- L-D (due 2026-01-01, unpaid, a borrower in Shanghai): 60 DPD (M2) on the 2nd, 61 DPD (M3) on the 3rd.
Each installment is 2,000.00 principal and 150.00 interest; six installments per loan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import LoanAccount
from accounts.services.payments import PaymentIn
from collections_app.services.book import payments_post_crediting
from collections_app.services.close import book_close
from tests.factories import BorrowerFactory, PhoneFactory, loan_with_schedule

PREVIOUS_COB = dt.date(2026, 3, 2)
LATEST_COB = dt.date(2026, 3, 3)
FULL_NUMBER = "+12125550142"


def small_book_with_two_cobs() -> dict[str, LoanAccount]:
    ann = BorrowerFactory(name="Ann Lee", address_line="12 Main Street Apt 4")
    PhoneFactory(borrower=ann, number=FULL_NUMBER)
    wang = BorrowerFactory(name="Wang Fang", country="CN", region="SH", postal_code="200000",
                           timezone="Asia/Shanghai")
    PhoneFactory(borrower=wang, number="+8613800138000", timezones="Asia/Shanghai")
    money = {"principal": Decimal("2000.00"), "interest": Decimal("150.00")}
    loans = {
        "A": loan_with_schedule(first_due=dt.date(2026, 2, 1), external_id="L-A", borrower=ann, **money),
        "B": loan_with_schedule(first_due=dt.date(2026, 3, 1), external_id="L-B", **money),
        "C": loan_with_schedule(first_due=dt.date(2026, 4, 1), external_id="L-C", **money),
        "D": loan_with_schedule(first_due=dt.date(2026, 1, 1), external_id="L-D", borrower=wang, currency="CNY",
                                **money),
    }
    payments_post_crediting(
        items=[
            PaymentIn(
                external_id="P-B-1",
                loan_external_id="L-B",
                amount=Decimal("2150.00"),
                received_at=dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC),
                channel="borrower",
            )
        ]
    )
    book_close(business_date=PREVIOUS_COB)
    book_close(business_date=LATEST_COB)
    return loans
