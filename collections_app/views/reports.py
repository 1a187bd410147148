"""Report dashboards: portfolio, forecast and vintage, teams and agents, promises; drill-downs; CSV.

Pages read only the aggregate tables (``collections_app.selectors.reports``); the drill-down
reads the detail tables behind one figure (``collections_app.selectors.report_cases``). Every
table of a page is also a CSV: the same URL with ``export=<table id>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.calendar import business_today as book_today
from collections_app import roles
from collections_app.forms.widgets import DateInput
from collections_app.selectors import report_agents as agent_selectors
from collections_app.selectors import report_cases as drilldown
from collections_app.selectors import reports as selectors
from collections_app.selectors.report_tables import Table, table_csv
from collections_app.services.reports.common import BucketScale, bucket_scale, month_start

REPORT_ROLES = roles.PORTFOLIO_ROLES
DEFAULT_MONTHS = 6


class ReportFilterForm(forms.Form):
    first = forms.DateField(label=_("From"), required=False, widget=DateInput())
    last = forms.DateField(label=_("To"), required=False, widget=DateInput())
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    bucket = forms.ChoiceField(label=_("Bucket"), required=False)

    def __init__(
        self, data: Any, *, products: list[str], currencies: list[str], teams: list[tuple[int, str]], scale: BucketScale
    ) -> None:
        super().__init__(data)
        everything: list[tuple[str, Any]] = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["currency"]).choices = [(c, c) for c in currencies]
        cast(forms.ChoiceField, self.fields["product"]).choices = everything + [(p, p) for p in products]
        cast(forms.ChoiceField, self.fields["team"]).choices = everything + [(str(pk), name) for pk, name in teams]
        cast(forms.ChoiceField, self.fields["bucket"]).choices = everything + [(code, code) for code in scale.codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and first > last:
            raise forms.ValidationError(_("The range ends before it starts."))
        return data


def _months_back(day: dt.date, months: int) -> dt.date:
    month = month_start(day)
    for _n in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def report_filters(request: HttpRequest, scale: BucketScale) -> tuple[ReportFilterForm, selectors.ReportFilters]:
    """The filter form and the filters it gives (defaults: the last six months to the latest figures)."""
    teams = selectors.teams_visible_to(request.user)
    latest = selectors.latest_report_date()
    scope = selectors.report_scope(latest)
    form = ReportFilterForm(
        request.GET or None, products=scope.products, currencies=scope.currencies, teams=teams, scale=scale
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    last = data.get("last") or latest or book_today()
    currency = data.get("currency") or (scope.currencies[0] if scope.currencies else "USD")
    first = data.get("first") or _months_back(last, DEFAULT_MONTHS - 1)
    all_teams = roles.user_has_role(request.user, roles.SUPERVISOR, roles.ANALYST, roles.ADMINISTRATOR)
    team_ids = None if all_teams else tuple(pk for pk, _name in teams)
    team = data.get("team")
    if team_ids is not None and team not in team_ids:
        team = None
    filters = selectors.ReportFilters(
        first=first, last=last, product=data.get("product") or "", currency=currency, team_id=team,
        bucket=data.get("bucket") or "", team_ids=team_ids, latest=latest,
    )
    # Show the dates the figures are for, also when the query names other filters only (?month=...).
    if not form.is_bound:
        form.initial = {"first": first, "last": last, "currency": currency}
    elif not (data.get("first") and data.get("last") and data.get("currency")) and not form.errors:
        shown = QueryDict(mutable=True)
        shown.update(form.data)
        shown.setlist("first", [first.isoformat()])
        shown.setlist("last", [last.isoformat()])
        shown.setlist("currency", [currency])
        form.data = shown
    return form, filters


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
    context = {
        "form": form, "tab": "agents", "table": table, "group": group, "sort": sort, "chart_data": [chart],
        "groups": [("agent", _("Agents")), ("team", _("Teams")), ("bucket", _("Buckets"))],
        "sorts": [(key, column.label) for key in agent_selectors.SORTS for column in table.columns if column.key == key],
    }
    return _page(request, "collections_app/reports/agents.html", context, [table], filters)


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
