"""Report API (read-only): the dashboards' aggregates as JSON, for analysts, supervisors and administrators.

``GET /api/v1/reports/<figure>/?first=YYYY-MM-DD&last=YYYY-MM-DD&product=&team=&bucket=`` answers
``{"figure", "filters", "columns": [{key, label, kind, definition}], "rows": [{key: value}]}``;
rates come as ``{"value", "numerator", "denominator"}`` (value a fraction of 1, null when the
denominator is zero), money as decimal strings. Like the pages, it reads only the aggregate tables.
"""

from __future__ import annotations

from typing import Any, cast

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collections_app import roles
from collections_app.reports import selectors
from collections_app.reports.definitions import BucketScale, bucket_scale
from collections_app.reports.filters import report_filters
from collections_app.reports.selectors import agents as agent_selectors
from collections_app.reports.tables import Table, plain

API_ROLES = (roles.ANALYST, roles.SUPERVISOR, roles.ADMINISTRATOR)

FILTER_PARAMETERS = [
    OpenApiParameter("first", OpenApiTypes.DATE, description="First date (default: six months before the last)."),
    OpenApiParameter("last", OpenApiTypes.DATE, description="Last date (default: the latest aggregated date)."),
    OpenApiParameter("product", OpenApiTypes.STR, description="One product; empty: all."),
    OpenApiParameter(
        "currency", OpenApiTypes.STR,
        description="The currency of the figures (amounts are never added across currencies; default: the largest book).",
    ),
    OpenApiParameter("team", OpenApiTypes.INT, description="One team (exit and agent figures)."),
    OpenApiParameter("bucket", OpenApiTypes.STR, description="One bucket (agent figures)."),
]


class IsReportReader(BasePermission):
    message = "Only analysts, supervisors and administrators may read the report API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.user_has_role(request.user, *API_ROLES)


def _table_body(table: Table) -> dict[str, Any]:
    return {
        "title": str(table.title),
        "note": str(table.note),
        "columns": [
            {"key": c.key, "label": table.heading(c), "kind": c.kind, "definition": str(c.definition)}
            for c in table.columns
        ],
        "rows": table.as_records(),
    }


def table_json(figure: str, filters: selectors.ReportFilters, tables: list[Table], **extra: Any) -> dict[str, Any]:
    """One table's columns and rows at the top level; several under ``tables`` by their ids."""
    body: dict[str, Any] = {
        "figure": figure,
        "filters": {
            "first": filters.first.isoformat(), "last": filters.last.isoformat(), "product": filters.product,
            "currency": filters.currency, "team": filters.team_id, "bucket": filters.bucket,
        },
        **{key: plain(value) for key, value in extra.items()},
    }
    for table in tables:
        table.currency = filters.currency
    if len(tables) == 1:
        body.update(_table_body(tables[0]))
    else:
        body["tables"] = {table.id: _table_body(table) for table in tables}
    return body


def _portfolio_tables(request: Request, figure: str, filters: selectors.ReportFilters, scale: BucketScale) -> Any:
    if figure == "bucket-balances":
        return [selectors.bucket_balance_series(filters, scale)], {}
    if figure == "roll-matrix":
        matrices = selectors.flow_matrices(filters)
        wanted = request.query_params.get("month", "")
        months = sorted(matrices)
        month = next((m for m in months if m.strftime("%Y-%m") == wanted), selectors.default_matrix_month(matrices))
        if wanted and (month is None or month.strftime("%Y-%m") != wanted):
            raise ValidationError({"month": [f"No matrix for {wanted} in this range."]})
        if month is None:
            return [], {"month": None}
        matrix = matrices[month]
        return selectors.roll_matrix_tables(matrix, filters, scale), {
            "month": month.strftime("%Y-%m"), "as_of": matrix.as_of, "previous_as_of": matrix.previous_as_of,
            "complete": matrix.complete,
        }
    if figure in ("flow-rates", "cure-rates"):
        matrices = selectors.flow_matrices(filters)
        make = selectors.flow_rate_table if figure == "flow-rates" else selectors.cure_rate_table
        return [make(matrices, filters, scale)], {}
    if figure == "entry-rates":
        return [selectors.entry_table(filters)[0]], {}
    if figure == "exit-rates":
        return [selectors.exit_table(filters)[0]], {}
    if figure == "vintage":
        return [selectors.vintage_table(filters)[0]], {}
    if figure == "forecast":
        outlook = selectors.forecast(filters, scale)
        return [outlook.matrix, outlook.projection], {"month": outlook.month.strftime("%Y-%m") if outlook.month else None}
    group = request.query_params.get("group", "agent")
    if group not in agent_selectors.GROUPS:
        raise ValidationError({"group": ["One of agent, team, bucket."]})
    if figure == "agents":
        sort = request.query_params.get("sort", "attempts")
        if sort not in agent_selectors.SORTS:
            raise ValidationError({"sort": [f"One of {', '.join(agent_selectors.SORTS)}."]})
        return [agent_selectors.efficiency_table(filters, group, sort)], {"group": group, "sort": sort}
    return [agent_selectors.promise_table(filters, group)], {"group": group}


FIGURES = (
    "bucket-balances", "roll-matrix", "flow-rates", "cure-rates", "entry-rates", "exit-rates", "vintage",
    "forecast", "agents", "promises",
)


class ReportView(APIView):
    """One report figure as JSON (see the module's docstring for the shape)."""

    permission_classes = [IsReportReader]
    figure = ""

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("month", OpenApiTypes.STR, description="roll-matrix: YYYY-MM (default: the latest complete month)."),
            OpenApiParameter("group", OpenApiTypes.STR, description="agents, promises: agent, team or bucket."),
            OpenApiParameter("sort", OpenApiTypes.STR, description="agents: the KPI to rank by."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        scale = bucket_scale()
        _form, filters = report_filters(request, scale)  # type: ignore[arg-type]
        tables, extra = _portfolio_tables(request, self.figure, filters, scale)
        return Response(table_json(self.figure, filters, tables, **extra))


def _view(figure: str) -> Any:
    view = cast(type[ReportView], type(f"Report{figure.title().replace('-', '')}View", (ReportView,), {"figure": figure}))
    return view.as_view()


urlpatterns: list[URLPattern] = [path(f"{figure}/", _view(figure), name=f"api-report-{figure}") for figure in FIGURES]
