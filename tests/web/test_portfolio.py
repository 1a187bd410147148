from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from collections_app import roles
from collections_app.selectors.portfolio import portfolio_latest
from tests.web.book import LATEST_COB, PREVIOUS_COB, small_book_with_two_cobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def book() -> None:
    small_book_with_two_cobs()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("portfolio"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/portfolio/")


def test_an_agent_is_refused_the_portfolio(client_as):
    response = client_as(roles.AGENT).get(reverse("portfolio"))

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


@pytest.mark.parametrize("role", [roles.DIALER_INTEGRATION])
def test_a_role_without_book_wide_reading_is_refused_the_portfolio(client_as, role):
    assert client_as(role).get(reverse("portfolio")).status_code == 403


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.TEAM_LEAD, roles.ANALYST, roles.ADMINISTRATOR])
def test_supervisors_leads_analysts_and_administrators_see_the_portfolio(client_as, role):
    response = client_as(role).get(reverse("portfolio"))

    assert response.status_code == 200
    assert "Portfolio by bucket" in response.content.decode()


def test_before_any_close_of_business_the_page_says_so(client_as):
    response = client_as(roles.SUPERVISOR).get(reverse("portfolio"))

    assert "No close of business has run yet" in response.content.decode()
    assert response.context["portfolio"] is None


def test_the_portfolio_shows_the_latest_cob_date_and_the_one_it_is_compared_with(client_as, book):
    page = client_as(roles.SUPERVISOR).get(reverse("portfolio")).content.decode()

    assert "2026-03-03" in page
    assert "compared with 2026-03-02" in page


def books() -> dict[str, object]:
    portfolio = portfolio_latest()
    return {book.currency: book for book in portfolio.books}


def test_each_bucket_has_its_count_and_amounts_with_the_change_from_the_previous_close(book):
    portfolio = portfolio_latest()

    assert (portfolio.cob_date, portfolio.previous_cob_date) == (LATEST_COB, PREVIOUS_COB)
    assert [b.currency for b in portfolio.books] == ["USD", "CNY"]  # the larger book first
    usd = {row.code: row for row in books()["USD"].rows}
    cny = {row.code: row for row in books()["CNY"].rows}
    # L-B paid its first installment on the 3rd: M1 loses it to M0.
    assert (usd["M1"].accounts.current, usd["M1"].accounts.previous) == (1, 2)
    assert usd["M1"].accounts.percent == Decimal("-50.0")
    assert usd["M1"].overdue_amount.current == Decimal("4300.00")
    assert usd["M1"].overdue_amount.delta == Decimal("-2150.00")
    assert usd["M1"].overdue_amount.percent == Decimal("-33.3")
    assert (usd["M0"].accounts.current, usd["M0"].accounts.previous) == (2, 1)
    # L-D (in CNY) rolled from M2 to M3: nothing to compare M3 with, M2 fell by all of it.
    assert cny["M3"].overdue_amount.current == Decimal("6450.00")
    assert cny["M3"].overdue_amount.percent is None
    assert cny["M2"].overdue_amount.percent == Decimal("-100.0")
    assert usd["M3"].accounts.current == 0


def test_totals_are_per_currency_and_the_collections_subtotal_leaves_out_the_current_bucket(book):
    usd, cny = books()["USD"], books()["CNY"]

    assert (usd.total.accounts.current, cny.total.accounts.current) == (3, 1)
    assert usd.total.outstanding_balance.current == sum(row.outstanding_balance.current for row in usd.rows)
    assert (usd.delinquent.accounts.current, cny.delinquent.accounts.current) == (1, 1)
    assert (usd.delinquent.overdue_amount.current, usd.delinquent.overdue_amount.previous) == (
        Decimal("4300.00"), Decimal("6450.00")
    )
    assert (cny.delinquent.overdue_amount.current, cny.delinquent.overdue_amount.previous) == (
        Decimal("6450.00"), Decimal("6450.00")
    )


def test_money_is_shown_with_two_decimals_and_thousands_separators_and_never_added_across_currencies(
    client_as, book
):
    page = client_as(roles.SUPERVISOR).get(reverse("portfolio")).content.decode()

    assert "4,300.00" in page
    assert "\u22122,150.00" in page  # the fall of M1's overdue amount, with a real minus sign
    assert "\u221233.3%" in page
    assert 'id="bucket-table-USD"' in page and 'id="bucket-table-CNY"' in page
    assert "Overdue amount (CNY)" in page
    assert "10,750.00" not in page  # 4,300.00 USD + 6,450.00 CNY is no amount


def test_the_portfolio_reads_a_fixed_number_of_queries_whatever_the_book(client_as, book, django_assert_max_num_queries):
    client = client_as(roles.SUPERVISOR)

    # session, user, the user's roles, the menu's count of approvals waiting, then the COB dates, the day
    # totals and the buckets
    with django_assert_max_num_queries(7):
        response = client.get(reverse("portfolio"))

    assert response.status_code == 200


def test_the_portfolio_speaks_simplified_chinese_when_asked(client_as, book):
    client = client_as(roles.SUPERVISOR)

    response = client.get(reverse("portfolio"), headers={"accept-language": "zh-hans"})

    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "按账龄段的资产组合" in page
    assert "逾期金额" in page
    assert "Portfolio by bucket" not in page
    assert "4,300.00" in page  # the same number format in both languages


def test_the_language_cookie_set_by_the_switcher_is_honoured(client_as, book):
    client = client_as(roles.SUPERVISOR)

    switched = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("portfolio")})
    page = client.get(reverse("portfolio")).content.decode()

    assert switched.status_code == 302
    assert "逾期金额" in page
