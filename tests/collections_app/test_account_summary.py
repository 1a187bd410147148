"""The account screen's summary at the top: total due now, payoff amount, last payment, the open
promise's status and the borrower's other loans, computed from the book at the borrower's date,
each in its loan's currency and totalled per currency, never across."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Installment
from collections_app.models import Case
from collections_app.services import clock
from tests.collections_app.promise_book import make_case, pay, promise
from tests.factories import loan_with_schedule, make_agent, make_team
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db
NY = "America/New_York"
TODAY = dt.date(2026, 4, 7)  # three of the six installments (200.00 principal + 20.00 interest) are due


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Ann's case on a six-installment loan, 100.00 paid on 2026-03-20; the borrower has two more
    loans, one in USD (Ann's case too) and one in CNY (nobody's), both with three installments due."""
    from scheduling.presets import presets_ensure

    presets_ensure()
    monkeypatch.setattr(clock, "now", lambda: local(NY, 2026, 4, 7, 10))
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    case = make_case(ann)
    pay(case, "100.00", dt.date(2026, 3, 20))
    borrower = case.account.borrower
    usd = loan_with_schedule(first_due=dt.date(2026, 2, 1), count=4, principal=Decimal("50.00"),
                             interest=Decimal("5.00"), borrower=borrower, external_id="L-USD-2")
    usd_case = Case.objects.create(account=usd, bucket="M1", dpd=60, opened_on=dt.date(2026, 2, 2), agent=ann, team=ann.team)
    loan_with_schedule(first_due=dt.date(2026, 2, 1), count=3, principal=Decimal("1000.00"),
                       interest=Decimal("0.00"), borrower=borrower, external_id="L-CNY-3", currency="CNY")
    client = Client()
    client.force_login(ann.user)
    return case, usd_case, client


def figure(page: str, name: str) -> str:
    block = re.search(rf'<div data-figure="{name}">(.*?)</div>', page, re.S)
    assert block, name
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(1)).split())


def test_the_summary_shows_what_is_due_now_the_payoff_the_last_payment_and_the_open_promise(screen) -> None:  # type: ignore[no-untyped-def]
    case, _usd_case, client = screen
    promise(case, (dt.date(2026, 4, 10), "150.00"), today=TODAY, now=local(NY, 2026, 4, 7, 9))

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert page.index('id="account-summary"') < page.index('id="compliance-panel"')  # at the top
    assert figure(page, "due-now") == "Total due now 560.00 USD"  # 3 x 220.00 - 100.00
    assert figure(page, "payoff") == "Payoff amount 1,160.00 USD"  # and the 3 x 200.00 principal not due yet
    assert figure(page, "last-payment") == "Last payment 100.00 USD on 2026-03-20"
    assert figure(page, "promise") == "Promise to pay 150.00 USD due in 3 days 0.00 USD received"


def test_the_other_loans_are_listed_with_their_own_currency_and_totalled_per_currency(screen) -> None:  # type: ignore[no-untyped-def]
    case, usd_case, client = screen

    page = client.get(f"/cases/{case.pk}/").content.decode()

    table = re.search(r'<table class="figures compact" id="other-loans">.*?</table>', page, re.S).group(0)
    usd = re.search(r'<tr data-loan="L-USD-2">.*?</tr>', table, re.S).group(0)
    cny = re.search(r'<tr data-loan="L-CNY-3">.*?</tr>', table, re.S).group(0)
    # USD: 2026-02-01, 03-01, 04-01 due (3 x 55.00), one installment's 50.00 principal later
    assert "165.00 USD" in usd and "215.00 USD" in usd and f'href="/cases/{usd_case.pk}/"' in usd
    # CNY: all three due; nobody's case, no link
    assert "3,000.00 CNY" in cny and "href=" not in cny
    totals = re.findall(r'<tr data-total="(\w+)">', table)
    assert totals == ["CNY", "USD"]  # one total per currency, never one across them
    assert case.account.external_id not in table


def test_the_summary_follows_the_book_a_payment_lowers_what_is_due_and_says_when(screen) -> None:  # type: ignore[no-untyped-def]
    case, _usd_case, client = screen
    pay(case, "560.00", dt.date(2026, 4, 6))

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert figure(page, "due-now") == "Total due now 0.00 USD"
    assert figure(page, "payoff") == "Payoff amount 600.00 USD"
    assert figure(page, "last-payment") == "Last payment 560.00 USD on 2026-04-06"
    assert figure(page, "promise") == "Promise to pay None"


def test_a_settled_promise_is_named_with_its_outcome(screen) -> None:  # type: ignore[no-untyped-def]
    case, _usd_case, client = screen
    taken = promise(case, (dt.date(2026, 4, 10), "150.00"), today=TODAY, now=local(NY, 2026, 4, 7, 9))
    taken.status = "broken"
    taken.save()

    assert figure(client.get(f"/cases/{case.pk}/").content.decode(), "promise") == (
        "Promise to pay none open; the last one, for 2026-04-10: Broken"
    )


def test_the_summary_reads_in_chinese(screen) -> None:  # type: ignore[no-untyped-def]
    case, _usd_case, client = screen
    client.cookies["django_language"] = "zh-hans"

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert figure(page, "due-now") == "当前应还合计 560.00 USD"
    assert "借款人的其他贷款" in page and "CNY 合计" in page


def test_the_account_screen_reads_a_fixed_number_of_queries_whatever_the_other_loans(screen, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    case, _usd_case, client = screen
    client.get(f"/cases/{case.pk}/")
    with django_assert_max_num_queries(60) as before:
        client.get(f"/cases/{case.pk}/")
    for n in range(5):
        loan_with_schedule(first_due=dt.date(2026, 2, 1), count=2, borrower=case.account.borrower, external_id=f"L-X-{n}")
    assert Installment.objects.filter(loan__borrower=case.account.borrower).count() > 20

    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(f"/cases/{case.pk}/")
