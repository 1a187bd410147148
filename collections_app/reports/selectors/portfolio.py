"""Portfolio reads: bucket balances, the transition matrix, flow and cure rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import ZERO
from collections_app.models import (
    ReportBucketDay,
    ReportFlowMonth,
)
from collections_app.reports.definitions import (
    BucketScale,
    next_month,
)

from ..tables import COUNT, DATE, MONEY, MONTH, RATE, Cell, Column, Rate, Table, drill
from .scope import DEFINITIONS, Chart, ReportFilters, latest_report_date, product_rows

# --- Portfolio: bucket balances ---------------------------------------------------------------


@dataclass
class BucketBalances:
    table: Table
    chart: Chart
    as_of: dt.date | None


def bucket_balances(filters: ReportFilters, scale: BucketScale) -> BucketBalances:
    sums = list(
        product_rows(ReportBucketDay.objects.filter(date__range=(filters.first, filters.last)), filters)
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
        product_rows(ReportBucketDay.objects.filter(date__range=(filters.first, filters.last)), filters)
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
        product_rows(ReportFlowMonth.objects.filter(month__range=(first, last)), filters)
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
        product_rows(queryset, filters)
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
