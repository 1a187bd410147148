"""Reads of the report pages and the report API: aggregate tables only, a few queries per figure.

Every rate is computed here from the summed numerators and denominators of the rows a filter
keeps; the definitions shown beside each figure are in ``DEFINITIONS`` (the same text as the
models' help texts and the services' docstrings).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO
from collections_app import roles
from collections_app.models import (
    ReportBucketDay,
    ReportEntryDay,
    ReportExitDay,
    ReportFlowMonth,
    ReportForecastBalance,
    ReportForecastMatrix,
    ReportVintage,
    Team,
)
from collections_app.services.reports.common import (
    CLOSED_STATES,
    BucketScale,
    bucket_scale,
    month_start,
    next_month,
)
from collections_app.services.reports.forecast import PAID, forecast_states

from .report_tables import COUNT, DATE, MONEY, MONTH, RATE, Cell, Column, Rate, Table, drill

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


def _product(queryset: QuerySet, filters: ReportFilters) -> QuerySet:
    """The rows of the filters' product (if any) and currency: an aggregate row is one currency's."""
    queryset = queryset.filter(currency=filters.currency)
    return queryset.filter(product=filters.product) if filters.product else queryset


# --- Portfolio: bucket balances ---------------------------------------------------------------


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


@dataclass
class BucketBalances:
    table: Table
    chart: Chart
    as_of: dt.date | None


def bucket_balances(filters: ReportFilters, scale: BucketScale) -> BucketBalances:
    sums = list(
        _product(ReportBucketDay.objects.filter(date__range=(filters.first, filters.last)), filters)
        .values_list("date", "bucket")
        .annotate(accounts=Sum("accounts"), overdue=Sum("overdue_amount"), outstanding=Sum("outstanding_balance"))
        .order_by("date", "bucket")
    )
    dates = sorted({row[0] for row in sums})
    as_of = dates[-1] if dates else None
    by_key = {(day, bucket): (accounts, overdue, outstanding) for day, bucket, accounts, overdue, outstanding in sums}
    table = Table(
        "bucket-balances",
        _("Bucket balances at the close of business"),
        [
            Column("bucket", _("Bucket")),
            Column("accounts", _("Accounts"), COUNT),
            Column("overdue", _("Overdue amount"), MONEY, DEFINITIONS["overdue"]),
            Column("outstanding", _("Outstanding principal"), MONEY, DEFINITIONS["outstanding"]),
            Column("share", _("Share of the book"), RATE, _("Outstanding principal of the bucket / of the whole book.")),
        ],
    )
    if as_of is not None:
        book = sum((by_key.get((as_of, code), (0, ZERO, ZERO))[2] for code in scale.codes), ZERO)
        for code in scale.codes:
            accounts, overdue, outstanding = by_key.get((as_of, code), (0, ZERO, ZERO))
            listed = accounts and code != scale.current  # current accounts are the book, not cases
            link = drill("bucket", date=as_of, bucket=code, product=filters.product, currency=filters.currency) if listed else ""
            table.add(code, Cell(accounts, link), overdue, outstanding, Rate(outstanding, book))
    chart = Chart(
        "bucket-chart",
        "line",
        [day.isoformat() for day in dates],
        [
            {"label": code, "data": [str(by_key.get((day, code), (0, ZERO, ZERO))[2]) for day in dates]}
            for code in scale.delinquent
        ],
        stacked=True,
    )
    return BucketBalances(table, chart, as_of)


def bucket_balance_series(filters: ReportFilters, scale: BucketScale) -> Table:
    """Every date's accounts and balances per bucket (the API's series)."""
    table = Table(
        "bucket-balances",
        _("Bucket balances by COB date"),
        [
            Column("date", _("COB date")),
            Column("bucket", _("Bucket")),
            Column("accounts", _("Accounts"), COUNT),
            Column("overdue", _("Overdue amount"), MONEY, DEFINITIONS["overdue"]),
            Column("outstanding", _("Outstanding principal"), MONEY, DEFINITIONS["outstanding"]),
        ],
    )
    order = {code: n for n, code in enumerate(scale.codes)}
    rows = (
        _product(ReportBucketDay.objects.filter(date__range=(filters.first, filters.last)), filters)
        .values_list("date", "bucket")
        .annotate(accounts=Sum("accounts"), overdue=Sum("overdue_amount"), outstanding=Sum("outstanding_balance"))
        .order_by("date")
    )
    for day, bucket, accounts, overdue, outstanding in sorted(rows, key=lambda r: (r[0], order.get(r[1], 99), r[1])):
        table.add(day, bucket, accounts, overdue, outstanding)
    return table


# --- Portfolio: transition matrix, flow and cure rates ------------------------------------------


def flow_months(filters: ReportFilters) -> list[dt.date]:
    first, last = filters.months()
    return list(
        _product(ReportFlowMonth.objects.filter(month__range=(first, last)), filters)
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )


@dataclass
class FlowCell:
    accounts: int = 0
    balance_from: Decimal = ZERO
    balance_to: Decimal = ZERO


@dataclass
class FlowMatrix:
    """One month's transition matrix. ``complete``: its month-end is the month's last day, or a
    later month has closed already; a running month's matrix reaches only to the latest COB date
    (on its first day nearly every account is still where it was) and is provisional."""

    month: dt.date
    as_of: dt.date | None
    previous_as_of: dt.date | None
    cells: dict[tuple[str, str], FlowCell] = field(default_factory=dict)
    complete: bool = True

    @property
    def note(self) -> str:
        """What a reader must know about an incomplete month, else nothing."""
        if self.complete:
            return ""
        return str(_("incomplete: to %(date)s") % {"date": self.as_of.isoformat() if self.as_of else ""})

    def row(self, source: str) -> FlowCell:
        total = FlowCell()
        for (k, _j), cell in self.cells.items():
            if k == source:
                total.accounts += cell.accounts
                total.balance_from += cell.balance_from
        return total

    def cell(self, source: str, target: str) -> FlowCell:
        return self.cells.get((source, target), FlowCell())

    def balance_rate(self, source: str, target: str) -> Rate:
        return Rate(self.cell(source, target).balance_to, self.row(source).balance_from)

    def count_rate(self, source: str, target: str) -> Rate:
        return Rate(self.cell(source, target).accounts, self.row(source).accounts)


def flow_matrices(filters: ReportFilters, months: Iterable[dt.date] | None = None) -> dict[dt.date, FlowMatrix]:
    first, last = filters.months()
    queryset = ReportFlowMonth.objects.filter(month__range=(first, last))
    if months is not None:
        queryset = ReportFlowMonth.objects.filter(month__in=list(months))
    rows = (
        _product(queryset, filters)
        .values_list("month", "from_state", "to_state")
        .annotate(
            accounts=Sum("accounts"), balance_from=Sum("balance_from"), balance_to=Sum("balance_to"),
            as_of=Max("as_of"), previous_as_of=Max("previous_as_of"),
        )
        .order_by("month")
    )
    matrices: dict[dt.date, FlowMatrix] = {}
    for month, source, target, accounts, balance_from, balance_to, as_of, previous in rows:
        matrix = matrices.setdefault(month, FlowMatrix(month, as_of, previous))
        matrix.cells[(source, target)] = FlowCell(accounts, balance_from, balance_to)
    latest = (filters.latest or latest_report_date()) if matrices else None
    for month, matrix in matrices.items():
        following = next_month(month)
        matrix.complete = matrix.as_of == following - dt.timedelta(days=1) or bool(latest and latest >= following)
    return matrices


def default_matrix_month(matrices: dict[dt.date, FlowMatrix]) -> dt.date | None:
    """The month a page opens on: the latest complete month, else the latest there is."""
    complete = [month for month, matrix in matrices.items() if matrix.complete]
    return max(complete) if complete else max(matrices, default=None)


def _flow_link(matrix: FlowMatrix, source: str, target: str, filters: ReportFilters, scale: BucketScale) -> str:
    if source == target == scale.current:
        return ""  # the accounts that stayed current are the book itself, not cases
    return drill(
        "flow", month=matrix.month, from_state=source, to_state=target, product=filters.product,
        currency=filters.currency,
    )


def roll_matrix_tables(matrix: FlowMatrix, filters: ReportFilters, scale: BucketScale) -> list[Table]:
    """The matrix as two heat tables: by balance (the flow rate of DESIGN.md) and by accounts."""
    tables = []
    for key, title, definition, by_balance in (
        ("roll-matrix-balance", _("Transition matrix by balance"), DEFINITIONS["flow_rate"], True),
        ("roll-matrix-count", _("Transition matrix by accounts"), DEFINITIONS["flow_count"], False),
    ):
        table = Table(
            key, title,
            [
                Column("from", _("From \\ to")),
                *[Column(state, state, RATE) for state in scale.states],
                Column("base", _("Balance then") if by_balance else _("Accounts then"), MONEY if by_balance else COUNT),
            ],
            note=definition, heat=True,
        )
        for source in scale.codes:
            row = matrix.row(source)
            cells: list[Cell] = [Cell(source)]
            for target in scale.states:
                rate = matrix.balance_rate(source, target) if by_balance else matrix.count_rate(source, target)
                has_accounts = matrix.cell(source, target).accounts > 0
                link = _flow_link(matrix, source, target, filters, scale) if has_accounts else ""
                cells.append(Cell(rate, link, heat=min(rate.value or ZERO, Decimal(1))))
            cells.append(Cell(row.balance_from if by_balance else row.accounts))
            table.add(*cells)
        tables.append(table)
    return tables


def net_flow(matrix: FlowMatrix, scale: BucketScale, *, by_balance: bool = True) -> Rate:
    result = Rate(1, 1)
    for source, target in zip(scale.codes, scale.codes[1:], strict=False):
        result = result * (matrix.balance_rate(source, target) if by_balance else matrix.count_rate(source, target))
    return result


def flow_rate_table(matrices: dict[dt.date, FlowMatrix], filters: ReportFilters, scale: BucketScale) -> Table:
    steps = list(zip(scale.codes, scale.codes[1:], strict=False))
    table = Table(
        "flow-rates",
        _("Flow rates month over month (balance)"),
        [
            Column("month", _("Month"), MONTH),
            Column("as_of", _("Month-end"), DATE, DEFINITIONS["month_end"]),
            *[Column(f"{a}_{b}", f"{a}\u2192{b}", RATE, DEFINITIONS["flow_rate"]) for a, b in steps],
            Column("net_flow", _("Net flow to charge-off"), RATE, DEFINITIONS["net_flow"]),
            Column("net_flow_count", _("Net flow (accounts)"), RATE, DEFINITIONS["net_flow"]),
        ],
        note=DEFINITIONS["flow_rate"],
    )
    for _month, matrix in sorted(matrices.items()):
        table.add(
            _month_cell(matrix),
            matrix.as_of,
            *[
                Cell(matrix.balance_rate(a, b), _flow_link(matrix, a, b, filters, scale) if matrix.cell(a, b).accounts else "")
                for a, b in steps
            ],
            net_flow(matrix, scale),
            net_flow(matrix, scale, by_balance=False),
        )
    return table


def cure_rate_table(matrices: dict[dt.date, FlowMatrix], filters: ReportFilters, scale: BucketScale) -> Table:
    current = scale.current
    table = Table(
        "cure-rates",
        _("Cure rates month over month"),
        [
            Column("month", _("Month"), MONTH),
            Column("as_of", _("Month-end"), DATE, DEFINITIONS["month_end"]),
            *[Column(f"{code}_accounts", _("%(bucket)s accounts") % {"bucket": code}, RATE, DEFINITIONS["cure"]) for code in scale.delinquent],
            *[Column(f"{code}_balance", _("%(bucket)s balance") % {"bucket": code}, RATE, DEFINITIONS["cure"]) for code in scale.delinquent],
        ],
        note=DEFINITIONS["cure"],
    )
    for _month, matrix in sorted(matrices.items()):
        links = {
            code: _flow_link(matrix, code, current, filters, scale) if matrix.cell(code, current).accounts else ""
            for code in scale.delinquent
        }
        table.add(
            _month_cell(matrix),
            matrix.as_of,
            *[Cell(matrix.count_rate(code, current), links[code]) for code in scale.delinquent],
            *[Cell(matrix.balance_rate(code, current), links[code]) for code in scale.delinquent],
        )
    return table


def _month_cell(matrix: FlowMatrix) -> Cell:
    return Cell(matrix.month, note=matrix.note, provisional=not matrix.complete)


def rate_chart(chart_id: str, table: Table, keys: list[str], *, labels: dict[str, str] | None = None) -> Chart:
    """A line chart of some rate columns of a table, in percent. Provisional rows (a running month)
    are left out: a month one day old would plot as a fall to nearly 0."""
    index = {column.key: n for n, column in enumerate(table.columns)}
    titles = {column.key: str(column.label) for column in table.columns}
    rows = [row for row in table.rows if not row[0].provisional]
    return Chart(
        chart_id, "line",
        [_label(row[0].value) for row in rows],
        [
            {
                "label": (labels or {}).get(key, titles[key]),
                "data": [_percent(row[index[key]].value) for row in rows],
            }
            for key in keys
        ],
        percent=True,
    )


def _label(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)


def _percent(rate: Rate) -> str | None:
    percent = rate.percent
    return None if percent is None else str(percent)


# --- Entry and exit --------------------------------------------------------------------------


def entry_table(filters: ReportFilters) -> tuple[Table, Chart]:
    rows = list(
        _product(ReportEntryDay.objects.filter(date__range=(filters.first, filters.last)), filters)
        .annotate(month=TruncMonth("date"))
        .values_list("month", "date")
        .annotate(
            due=Sum("installments_due"), entered=Sum("installments_entered"),
            amount_due=Sum("amount_due"), amount_entered=Sum("amount_entered"),
        )
        .order_by("date")
    )
    table = Table(
        "entry-rates",
        _("Entry rate (入催率)"),
        [
            Column("month", _("Month"), MONTH),
            Column("due", _("Installments due"), COUNT),
            Column("entered", _("Unpaid at DPD 1"), COUNT),
            Column("rate", _("Entry rate"), RATE, DEFINITIONS["entry"]),
            Column("amount_due", _("Amount due"), MONEY),
            Column("amount_entered", _("Amount unpaid at DPD 1"), MONEY),
            Column("amount_rate", _("Entry rate (amount)"), RATE, DEFINITIONS["entry"]),
        ],
        note=DEFINITIONS["entry"],
    )
    months: dict[dt.date, list[Any]] = {}
    for month, _day, due, entered, amount_due, amount_entered in rows:
        month = _as_date(month)
        sums = months.setdefault(month, [0, 0, ZERO, ZERO])
        sums[0] += due
        sums[1] += entered
        sums[2] += amount_due
        sums[3] += amount_entered
    for month, (due, entered, amount_due, amount_entered) in months.items():
        last_day = min(filters.last, (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
        link = drill(
            "entry", first=max(month, filters.first), last=last_day, product=filters.product, currency=filters.currency
        )
        table.add(month, due, Cell(entered, link), Rate(entered, due), amount_due, amount_entered, Rate(amount_entered, amount_due))
    chart = Chart(
        "entry-chart", "line",
        [day.isoformat() for _m, day, *_rest in rows],
        [{"label": str(_("Entry rate")), "data": [_percent(Rate(entered, due)) for _m, _d, due, entered, *_x in rows]}],
        percent=True,
    )
    return table, chart


def exit_table(filters: ReportFilters) -> tuple[Table, Chart]:
    queryset = _product(ReportExitDay.objects.filter(date__range=(filters.first, filters.last)), filters)
    if filters.team_id:
        queryset = queryset.filter(team_id=filters.team_id)
    elif filters.team_ids is not None:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    rows = (
        queryset.annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(
            entered=Sum("cases_entered"), assigned=Sum("cases_assigned_in"), cured=Sum("cases_cured"),
            paid_off=Sum("cases_paid_off"), settled=Sum("cases_settled"), charged_off=Sum("cases_charged_off"),
        )
        .order_by("month")
    )
    by_team = bool(filters.team_id)
    table = Table(
        "exit-rates",
        _("Exit rate (出催率)"),
        [
            Column("month", _("Month"), MONTH),
            Column("entered", _("Cases assigned to the team") if by_team else _("Cases opened"), COUNT),
            Column("cured", _("Cured"), COUNT),
            Column("paid_off", _("Paid off"), COUNT),
            Column("settled", _("Settled"), COUNT),
            Column("charged_off", _("Charged off"), COUNT),
            Column("rate", _("Exit rate"), RATE, DEFINITIONS["exit"]),
        ],
        note=DEFINITIONS["exit"],
    )
    for month, entered, assigned, cured, paid_off, settled, charged_off in rows:
        month = _as_date(month)
        last_day = min(filters.last, (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
        span = {
            "first": max(month, filters.first), "last": last_day, "product": filters.product, "team": filters.team_id,
            "currency": filters.currency,
        }
        base = assigned if by_team else entered
        table.add(
            month,
            Cell(base, drill("exit", reason="assigned" if by_team else "opened", **span)),
            Cell(cured, drill("exit", reason="cured", **span)),
            Cell(paid_off, drill("exit", reason="paid_off", **span)),
            Cell(settled, drill("exit", reason="settled", **span)),
            Cell(charged_off, drill("exit", reason="charged_off", **span)),
            Rate(cured + paid_off, base),
        )
    return table, rate_chart("exit-chart", table, ["rate"])


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- Vintage and forecast --------------------------------------------------------------------


def vintage_table(filters: ReportFilters) -> tuple[Table, Chart]:
    rows = list(
        _product(ReportVintage.objects.filter(month__lte=month_start(filters.last)), filters)
        .values_list("cohort", "months_on_book", "month")
        .annotate(disbursed=Sum("disbursed"), balance=Sum("balance_m2plus"), loans=Sum("loans"))
        .order_by("cohort", "months_on_book")
    )
    horizon = max((mob for _c, mob, *_rest in rows), default=0)
    table = Table(
        "vintage",
        _("Vintage: share of disbursed principal at M2+ by months on book"),
        [
            Column("cohort", _("Origination month"), MONTH),
            Column("loans", _("Loans"), COUNT),
            Column("disbursed", _("Disbursed"), MONEY),
            *[Column(f"mob_{mob}", f"{mob}", RATE) for mob in range(horizon + 1)],
        ],
        note=DEFINITIONS["vintage"],
    )
    cohorts: dict[dt.date, dict[int, tuple[Rate, dt.date]]] = defaultdict(dict)
    sizes: dict[dt.date, tuple[int, Decimal]] = {}
    for cohort, mob, month, disbursed, balance, loans in rows:
        cohorts[cohort][mob] = (Rate(balance, disbursed), month)
        sizes[cohort] = (loans, disbursed)
    for cohort, points in sorted(cohorts.items()):
        loans, disbursed = sizes[cohort]
        cells = []
        for mob in range(horizon + 1):
            if mob in points:
                rate, month = points[mob]
                link = drill("vintage", month=month, cohort=cohort, product=filters.product, currency=filters.currency) if rate.numerator else ""
                cells.append(Cell(rate, link))
            else:
                cells.append(Cell(None))
        table.add(cohort, loans, disbursed, *cells)
    chart = Chart(
        "vintage-chart", "line", [str(mob) for mob in range(horizon + 1)],
        [
            {"label": cohort.strftime("%Y-%m"), "data": [_percent(points[mob][0]) if mob in points else None for mob in range(horizon + 1)]}
            for cohort, points in sorted(cohorts.items())
        ],
        percent=True,
    )
    return table, chart


@dataclass
class Forecast:
    month: dt.date | None
    matrix: Table
    projection: Table
    chart: Chart


def forecast(filters: ReportFilters, scale: BucketScale) -> Forecast:
    states = forecast_states(scale)
    month = (
        ReportForecastMatrix.objects.filter(
            month__lte=month_start(filters.last), product=filters.product, currency=filters.currency
        )
        .aggregate(m=Max("month"))["m"]
    )
    matrix = Table(
        "forecast-matrix", _("Forecast transition matrix (trailing average)"),
        [Column("from", _("From \\ to")), *[Column(state, state, RATE) for state in states]],
        note=DEFINITIONS["forecast"], heat=True,
    )
    projection = Table(
        "forecast-balances", _("Projected balances"),
        [Column("step", _("Months ahead"), COUNT), *[Column(state, state, MONEY) for state in states],
         Column("loss", _("Loss state (last bucket and charged off)"), MONEY)],
        note=DEFINITIONS["forecast"],
    )
    chart = Chart("forecast-chart", "line", [], [])
    if month is None:
        return Forecast(None, matrix, projection, chart)
    cells = {
        (source, target): probability
        for source, target, probability in ReportForecastMatrix.objects.filter(
            month=month, product=filters.product, currency=filters.currency
        )
        .values_list("from_state", "to_state", "probability")
    }
    for source in states:
        matrix.add(source, *[Cell(Rate(cells.get((source, t), ZERO), 1), heat=cells.get((source, t), ZERO)) for t in states])
    balances: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for step, state, balance in ReportForecastBalance.objects.filter(
        month=month, product=filters.product, currency=filters.currency
    ).values_list(
        "step", "state", "balance"
    ):
        balances[step][state] = balance
    for step in sorted(balances):
        projection.add(step, *[balances[step].get(state, ZERO) for state in states], balances[step].get(scale.worst, ZERO))
    chart = Chart(
        "forecast-chart", "line", [f"+{step}" for step in sorted(balances)],
        [
            {"label": state, "data": [str(balances[step].get(state, ZERO)) for step in sorted(balances)]}
            for state in (*scale.delinquent, PAID)
        ],
    )
    return Forecast(month, matrix, projection, chart)


__all__ = ["CLOSED_STATES", "DEFINITIONS", "BucketScale", "Chart", "ReportFilters", "bucket_scale"]
