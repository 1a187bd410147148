"""Report dashboards: portfolio, forecast and vintage, teams and agents, promises; drill-downs; CSV.

Pages read only the aggregate tables (``collections_app.reports.selectors``); the drill-down
reads the detail tables behind one figure (``collections_app.reports.selectors.cases``). Every
table of a page is also a CSV: the same URL with ``export=<table id>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from collections_app import roles
from collections_app.reports import selectors
from collections_app.reports.definitions import bucket_scale
from collections_app.reports.filters import report_filters
from collections_app.reports.selectors import agents as agent_selectors
from collections_app.reports.selectors import cases as drilldown
from collections_app.reports.selectors import messages as message_selectors
from collections_app.reports.tables import Table, table_csv

REPORT_ROLES = roles.PORTFOLIO_ROLES

def _export(request: HttpRequest, tables: list[Table], filters: selectors.ReportFilters) -> HttpResponse | None:
    wanted = request.GET.get("export")
    if not wanted:
        return None
    for table in tables:
        if table.id == wanted:
            response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
            name = f"{table.id}-{filters.currency}-{filters.first.isoformat()}-{filters.last.isoformat()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return HttpResponseBadRequest("Unknown table to export.")


def _page(request: HttpRequest, template: str, context: dict[str, Any], tables: list[Table],
          filters: selectors.ReportFilters) -> HttpResponse:
    for table in tables:
        table.currency = filters.currency
    exported = _export(request, tables, filters)
    if exported is not None:
        return exported
    return render(request, template, {**context, "filters": filters})


@roles.role_required(*REPORT_ROLES)
def report_portfolio(request: HttpRequest) -> HttpResponse:
    """Bucket balances over time, the roll matrix, flow, cure, entry and exit rates."""
    scale = bucket_scale()
    form, filters = report_filters(request, scale)
    balances = selectors.bucket_balances(filters, scale)
    matrices = selectors.flow_matrices(filters)
    months = sorted(matrices)
    month = _chosen_month(request, matrices)
    roll_tables = selectors.roll_matrix_tables(matrices[month], filters, scale) if month else []
    flows = selectors.flow_rate_table(matrices, filters, scale)
    cures = selectors.cure_rate_table(matrices, filters, scale)
    entry, entry_chart = selectors.entry_table(filters)
    exits, exit_chart = selectors.exit_table(filters)
    steps = [column.key for column in flows.columns if "_" in column.key and column.key[0] == "M"]
    charts = [
        balances.chart,
        selectors.rate_chart("flow-chart", flows, steps),
        selectors.rate_chart("cure-chart", cures, [c.key for c in cures.columns if c.key.endswith("_balance")]),
        entry_chart,
        exit_chart,
    ]
    tables = [balances.table, *roll_tables, flows, cures, entry, exits]
    context = {
        "form": form, "tab": "portfolio", "balances": balances, "months": [matrices[m] for m in months], "month": month,
        "matrix": matrices.get(month) if month else None, "roll_tables": roll_tables, "flows": flows,
        "cures": cures, "entry": entry, "exits": exits, "chart_data": charts,
    }
    return _page(request, "collections_app/reports/portfolio.html", context, tables, filters)


def _chosen_month(request: HttpRequest, matrices: dict[dt.date, selectors.FlowMatrix]) -> dt.date | None:
    """The month asked for, else the latest complete month (a running month is shown only when asked)."""
    wanted = request.GET.get("month", "")
    for month in matrices:
        if month.strftime("%Y-%m") == wanted:
            return month
    return selectors.default_matrix_month(matrices)


@roles.role_required(*REPORT_ROLES)
def report_forecast(request: HttpRequest) -> HttpResponse:
    """The loss forecast with its matrix, and the vintage curves."""
    scale = bucket_scale()
    form, filters = report_filters(request, scale)
    outlook = selectors.forecast(filters, scale)
    vintage, vintage_chart = selectors.vintage_table(filters)
    charts = [outlook.chart, vintage_chart]
    context = {
        "form": form, "tab": "forecast", "forecast": outlook, "vintage": vintage, "chart_data": charts,
    }
    return _page(request, "collections_app/reports/forecast.html", context,
                 [outlook.matrix, outlook.projection, vintage], filters)


def _group(request: HttpRequest) -> str:
    group = request.GET.get("group", "agent")
    return group if group in agent_selectors.GROUPS else "agent"


@roles.role_required(*REPORT_ROLES)
def report_agents(request: HttpRequest) -> HttpResponse:
    """Agents, teams or buckets ranked by a KPI, with every definition beside the figures."""
    scale = bucket_scale()
    form, filters = report_filters(request, scale)
    group = _group(request)
    sort = request.GET.get("sort", "attempts")
    sort = sort if sort in agent_selectors.SORTS else "attempts"
    table = agent_selectors.efficiency_table(filters, group, sort)
    chart = agent_selectors.efficiency_chart(table, ["contact_rate", "rpc_rate", "ptp_rate", "kept_rate"])
    messages = message_selectors.message_table(filters)
    messages_by_template = message_selectors.message_template_table(filters)
    context = {
        "form": form, "tab": "agents", "table": table, "group": group, "sort": sort, "chart_data": [chart],
        "messages_table": messages, "messages_template_table": messages_by_template,
        "groups": [("agent", _("Agents")), ("team", _("Teams")), ("bucket", _("Buckets"))],
        "sorts": [(key, column.label) for key in agent_selectors.SORTS for column in table.columns if column.key == key],
    }
    return _page(request, "collections_app/reports/agents.html", context, [table, messages, messages_by_template], filters)


@roles.role_required(*REPORT_ROLES)
def report_promises(request: HttpRequest) -> HttpResponse:
    """Promises made, their amount, rate per right-party contact and how they were kept."""
    scale = bucket_scale()
    form, filters = report_filters(request, scale)
    group = _group(request)
    table = agent_selectors.promise_table(filters, group)
    chart = agent_selectors.efficiency_chart(table, ["ptp_rate", "kept_rate"])
    context = {
        "form": form, "tab": "promises", "table": table, "group": group, "chart_data": [chart],
        "groups": [("agent", _("Agents")), ("team", _("Teams")), ("bucket", _("Buckets"))],
    }
    return _page(request, "collections_app/reports/promises.html", context, [table], filters)


@roles.role_required(*REPORT_ROLES)
def report_cases(request: HttpRequest) -> HttpResponse:
    """The accounts and cases behind one figure (reads the detail tables)."""
    scale = bucket_scale()
    params = {key: str(value) for key, value in request.GET.items() if key != "export"}
    exporting = bool(request.GET.get("export"))
    limit = drilldown.EXPORT_ROWS if exporting else drilldown.PAGE_ROWS
    try:
        table = drilldown.drill_table(params, scale, request.user, limit=limit)
    except drilldown.DrillError as error:
        return render(request, "collections_app/reports/cases.html", {"error": str(error), "tab": ""}, status=400)
    if not any(column.key == "currency" for column in table.columns):  # one currency, named in the headings
        table.currency = params.get("currency", "")
    if exporting:
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cases-{params.get("figure", "")}.csv"'
        return response
    context = {"table": table, "tab": "", "limit": limit, "truncated": len(table.rows) >= limit}
    return render(request, "collections_app/reports/cases.html", context)
