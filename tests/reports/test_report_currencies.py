"""Report figures per currency (defect 7): a book of USD and CNY loans never adds the two. Every
aggregate row is one currency's; the pages, the CSV exports and the API show one currency at a
time (the largest book by default), naming it in every money heading."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import BucketDailyTotal
from collections_app import roles
from collections_app.models import ReportAgentDay, ReportBucketDay, ReportFlowMonth
from collections_app.reports.jobs import reports_aggregate_range
from tests.factories import BorrowerFactory, PhoneFactory, UserFactory, loan_with_schedule
from tests.reports.book import FIRST_DAY, LAST_DAY, reports_book

pytestmark = pytest.mark.django_db
APRIL_END = dt.date(2026, 4, 30)


@pytest.fixture(scope="module")
def two_currencies(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The lived book, plus YUAN: a CNY cash loan that never pays (first due 2026-01-10, like NEVER)."""
    with django_db_blocker.unblock(), transaction.atomic():
        borrower = BorrowerFactory(external_id="B-YUAN")
        PhoneFactory(borrower=borrower, number="+12125559999")
        loan_with_schedule(first_due=dt.date(2026, 1, 10), external_id="YUAN", product="cash", currency="CNY",
                           borrower=borrower)
        reports_book()
        reports_aggregate_range(first=FIRST_DAY, last=LAST_DAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def supervisor(client, two_currencies, db):
    user = UserFactory(username="sue")
    user.groups.add(roles.roles_ensure()[roles.SUPERVISOR])
    client.force_login(user)
    return client


def table(html: str, table_id: str) -> str:
    return re.search(rf'<table class="figures[^"]*" id="{table_id}">.*?</table>', html, re.S).group(0)


def row(html: str, first_cell: str) -> list[str]:
    found = re.search(rf'<tr><th scope="row">{re.escape(first_cell)}</th>(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", found, re.S)]


def test_every_aggregate_row_is_one_currencys(two_currencies):
    assert set(ReportBucketDay.objects.filter(date=APRIL_END).values_list("currency", flat=True)) == {"USD", "CNY"}
    yuan = ReportBucketDay.objects.get(date=APRIL_END, currency="CNY")
    assert (yuan.bucket, yuan.accounts, yuan.outstanding_balance) == ("M4", 1, Decimal("1200.00"))
    assert ReportFlowMonth.objects.filter(month=dt.date(2026, 4, 1), currency="CNY").values_list(
        "from_state", "to_state", "accounts"
    ).get() == ("M3", "M4", 1)
    cob = {(t.currency, t.bucket): t.accounts for t in BucketDailyTotal.objects.filter(date=APRIL_END)}
    assert cob[("CNY", "M4")] == 1 and cob[("USD", "M4")] == 1  # NEVER (USD) and YUAN (CNY), apart
    assert ReportAgentDay.objects.filter(currency="CNY", attempts__gt=0).exists()


def test_the_portfolio_report_opens_on_the_largest_book_and_its_figures_are_that_currencys_alone(supervisor):
    html = supervisor.get(reverse("report-portfolio"), {"month": "2026-02"}).content.decode()

    assert re.search(r'<select name="currency"[^>]*>\s*<option value="USD" selected>USD</option>\s*<option value="CNY">', html)
    balances = table(html, "bucket-balances")
    assert "Outstanding principal (USD)" in balances
    assert row(balances, "M4")[:3] == ["1", "880.00", "1,200.00"]  # NEVER only, not 2,400.00
    # February's M1 -> M2 as in the USD-only book: 4,720.00 of 6,000.00.
    matrix = table(html, "roll-matrix-balance")
    assert "78.7%" in matrix


def test_the_chinese_loans_read_on_their_own(supervisor):
    html = supervisor.get(reverse("report-portfolio"), {"currency": "CNY"}).content.decode()

    balances = table(html, "bucket-balances")
    assert "Overdue amount (CNY)" in balances
    assert row(balances, "M4")[:3] == ["1", "880.00", "1,200.00"]
    assert row(balances, "M1")[0] == "0"
    links = re.findall(r'href="([^"]*figure=bucket[^"]*)"', balances)
    assert links and all("currency=CNY" in link for link in links)
    listing = supervisor.get(links[0].replace("&amp;", "&")).content.decode()
    assert ">YUAN<" in listing and ">NEVER<" not in listing


def test_csv_exports_and_the_api_name_the_currency(supervisor):
    export = supervisor.get(reverse("report-portfolio"), {"currency": "CNY", "export": "bucket-balances"})
    api = supervisor.get("/api/v1/reports/bucket-balances/", {"currency": "CNY"}).json()

    header = next(csv.reader(io.StringIO(export.content.decode())))
    assert "Overdue amount (CNY)" in header
    assert 'filename="bucket-balances-CNY-' in export["Content-Disposition"]
    assert api["filters"]["currency"] == "CNY"
    assert {c["label"] for c in api["columns"] if c["kind"] == "money"} == {"Overdue amount (CNY)", "Outstanding principal (CNY)"}
    assert {r["bucket"] for r in api["rows"] if r["date"] == "2026-04-30"} == {"M4"}


def test_agent_figures_count_all_the_work_and_show_the_amounts_of_one_currency(supervisor):
    usd = supervisor.get(reverse("api-report-agents"), {"group": "team", "currency": "USD"}).json()
    cny = supervisor.get(reverse("api-report-agents"), {"group": "team", "currency": "CNY"}).json()

    by_team = lambda body: {r["name"]: r for r in body["rows"]}  # noqa: E731
    for name in by_team(usd):
        assert by_team(usd)[name]["attempts"] == by_team(cny)[name]["attempts"]
    promised = {r["name"]: Decimal(r["ptp_amount"]) for r in cny["rows"]}
    assert sum(promised.values()) > 0  # YUAN's promises, in yuan
    all_promised = sum(Decimal(r["ptp_amount"]) for r in usd["rows"]) + sum(promised.values())
    usd_only = supervisor.get(reverse("api-report-agents"), {"group": "team"}).json()
    assert sum(Decimal(r["ptp_amount"]) for r in usd_only["rows"]) < all_promised
