"""Reads of the report pages and the report API: aggregate tables only, a few queries per figure.

Nothing here imports a report job: the shared definitions are in ``collections_app.reports.definitions``.
"""

from __future__ import annotations

from .entry_exit import entry_table, exit_table
from .portfolio import (
    BucketBalances,
    FlowCell,
    FlowMatrix,
    bucket_balance_series,
    bucket_balances,
    cure_rate_table,
    default_matrix_month,
    flow_matrices,
    flow_months,
    flow_rate_table,
    net_flow,
    roll_matrix_tables,
)
from .scope import (
    DEFINITIONS,
    Chart,
    ReportFilters,
    ReportScope,
    latest_report_date,
    rate_chart,
    report_scope,
    teams_visible_to,
)
from .vintage import Forecast, forecast, vintage_table

__all__ = [
    "DEFINITIONS", "BucketBalances", "Chart", "FlowCell", "FlowMatrix", "Forecast", "ReportFilters", "ReportScope",
    "bucket_balance_series", "bucket_balances", "cure_rate_table", "default_matrix_month", "entry_table",
    "exit_table", "flow_matrices", "flow_months", "flow_rate_table", "forecast", "latest_report_date",
    "net_flow", "rate_chart", "report_scope", "roll_matrix_tables", "teams_visible_to", "vintage_table",
]
