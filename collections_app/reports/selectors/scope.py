"""What every report read shares: the filters, the scope of the book, the definitions shown beside
each figure, and the charts.

Every rate is computed from the summed numerators and denominators of the rows a filter keeps;
the definitions shown beside each figure are in ``DEFINITIONS`` (the same text as the models' help
texts and the jobs' docstrings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from collections_app import roles
from collections_app.models import (
    ReportBucketDay,
    Team,
)
from collections_app.reports.definitions import (
    month_start,
)

from ..tables import Rate, Table

DEFINITIONS: dict[str, Any] = {
    "outstanding": _("Principal not yet repaid by the active accounts of the bucket at the COB date."),
    "overdue": _("Amounts past their due date and unpaid at the COB date."),
    "flow_rate": _(
        "FR(Mk → Mj) = outstanding principal at this month-end of the accounts that were in Mk at the "
        "previous month-end and are in Mj now, divided by the principal of Mk at the previous month-end. "
        "For closed accounts (PAID, SETTLED, CO) the balance they left with. A month-end is the last COB "
        "date of the month."
    ),
    "month_end": _(
        "The last close of business of the month. Before the month is over it is the latest one, and the "
        "month's figures are incomplete: they cover the days closed so far."
    ),
    "flow_count": _("Accounts in Mk at the previous month-end that are in Mj at this month-end, divided by the accounts in Mk then."),
    "net_flow": _("Product of the balance flow rates M0 → M1 → … → the last bucket in the month: the share of current balance that would reach charge-off at these rates."),
    "cure": _("Share of bucket k at the previous month-end that is current (M0) at this month-end: accounts, and balance (principal now of the cured accounts / principal of k then)."),
    "entry": _("入催率: installments due in the period still not fully paid at DPD 1 (the next day's close of business), divided by the installments due in the period; by count and by amount due."),
    "exit": _("出催率: cases closed as cured or paid off in the period, divided by the cases opened in it (with a team chosen: by the cases assigned into the team in it)."),
    "vintage": _("Outstanding principal of the cohort's active accounts at M2 or worse at the month-end, divided by the principal disbursed to the cohort. Cohort: loans opened in one calendar month."),
    "forecast": _(
        "Markov chain over the buckets and PAID: each row is the average, over the last three months, of the "
        "share of the bucket's balance at the previous month-end that moved to each state (charged off counts "
        "as the last bucket, settled as paid). Balances n months ahead: B(t+n) = B(t) × Pⁿ."
    ),
    "attempts": _("Outbound calls placed (not those released as not dialed)."),
    "logged_hours": _("From the first call placed to the end of the last call, per day, summed (there is no session log)."),
    "attempts_per_hour": _("Attempts / logged hours."),
    "contact_rate": _("Contacts (a right-party or third-party contact) / attempts."),
    "rpc_rate": _("Right-party contacts / attempts."),
    "ptp_rate": _("Promises made / right-party contacts."),
    "ptp_amount": _("Total amount of the promises made."),
    "kept_rate": _("Promises kept / promises judged in the period (kept, partly kept or broken)."),
    "collected": _("Payments with a value date in the period on accounts whose case the agent holds."),
    "talk_time": _("Talk time of every call, inbound included."),
    "aht": _("Average handle time: talk time / calls with talk time."),
    "cure_assigned": _("Cases cured (DPD back to 0) / (cases held at the start of the period + cases opened in it)."),
    "complaints": _("Complaints received in the period about the agent, of any category, resolved or not."),
    "complaint_rate": _("Complaints received in the period × 10,000 / contacts (a right-party or third-party contact) in it."),
    "qa_reviews": _("Reviews of the agent's calls scored in the period (the weekly sample: a share at random, every call behind a complaint or a compliance exception)."),
    "messages_sent": _("Texts and e-mails the agent asked for that were handed to the provider in the period (automated ones: no agent)."),
    "message_sent": _("Messages handed to the provider in the period (every try that went, once per message)."),
    "message_delivered": _("Messages the provider reported delivered in the period; delivered rate = delivered / sent."),
    "message_failed": _("Messages that ended failed in the period (the provider's error after the retries); failed rate = failed / sent."),
    "message_replied": _("Messages the borrower answered in the period; reply rate = replied / sent."),
    "message_opted_out": _("Replies in the period that opted the number out (STOP, 退订...)."),
    "message_refused": _("Messages asked for in the period that the compliance engine refused or stopped before sending."),
    "qa_score": _("Mean score of those reviews, 0 to 100: weight of the scorecard items met / weight of the items met or not met; a critical item not met scores 0."),
}


@dataclass(frozen=True)
class ReportFilters:
    first: dt.date
    last: dt.date
    product: str = ""
    # The currency of the loans (portfolio and forecast) and of the amounts (agents, promises) read:
    # one at a time, never two added together.
    currency: str = "USD"
    team_id: int | None = None
    bucket: str = ""
    team_ids: tuple[int, ...] | None = None  # the teams a team lead may read; None: all
    latest: dt.date | None = None  # the latest aggregated COB date, when the caller read it already

    def months(self) -> tuple[dt.date, dt.date]:
        return month_start(self.first), month_start(self.last)


def latest_report_date() -> dt.date | None:
    return ReportBucketDay.objects.aggregate(d=Max("date"))["d"]


@dataclass(frozen=True)
class ReportScope:
    """The products and currencies of the book at the latest aggregated date; the largest
    currency (by accounts) first."""

    products: list[str]
    currencies: list[str]


def report_scope(latest: dt.date | None) -> ReportScope:
    """One query on the latest date's bucket balances."""
    sizes: dict[str, int] = {}
    products: set[str] = set()
    if latest is not None:
        for product, currency, accounts in (
            ReportBucketDay.objects.filter(date=latest).values_list("product", "currency")
            .annotate(n=Sum("accounts")).order_by()
        ):
            products.add(product)
            sizes[currency] = sizes.get(currency, 0) + (accounts or 0)
    return ReportScope(sorted(products), sorted(sizes, key=lambda currency: (-sizes[currency], currency)))


def teams_visible_to(user: AbstractBaseUser | AnonymousUser) -> list[tuple[int, str]]:
    """Every team for supervisors, analysts and administrators; a team lead's own teams."""
    teams = Team.objects.order_by("name")
    if not roles.user_has_role(user, roles.SUPERVISOR, roles.ANALYST, roles.ADMINISTRATOR):
        teams = teams.filter(lead_id=user.pk) if user.is_authenticated else teams.none()
    return list(teams.values_list("pk", "name"))


def product_rows(queryset: QuerySet, filters: ReportFilters) -> QuerySet:
    """The rows of the filters' product (if any) and currency: an aggregate row is one currency's."""
    queryset = queryset.filter(currency=filters.currency)
    return queryset.filter(product=filters.product) if filters.product else queryset


@dataclass
class Chart:
    id: str
    kind: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    stacked: bool = False
    percent: bool = False

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "labels": self.labels, "datasets": self.datasets,
            "stacked": self.stacked, "percent": self.percent,
        }


def rate_chart(chart_id: str, table: Table, keys: list[str], *, labels: dict[str, str] | None = None) -> Chart:
    """A line chart of some rate columns of a table, in percent. Provisional rows (a running month)
    are left out: a month one day old would plot as a fall to nearly 0."""
    index = {column.key: n for n, column in enumerate(table.columns)}
    titles = {column.key: str(column.label) for column in table.columns}
    rows = [row for row in table.rows if not row[0].provisional]
    return Chart(
        chart_id, "line",
        [chart_label(row[0].value) for row in rows],
        [
            {
                "label": (labels or {}).get(key, titles[key]),
                "data": [percent_text(row[index[key]].value) for row in rows],
            }
            for key in keys
        ],
        percent=True,
    )


def chart_label(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)


def percent_text(rate: Rate) -> str | None:
    percent = rate.percent
    return None if percent is None else str(percent)
