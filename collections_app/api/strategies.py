"""The experiments' results in the report API: ``GET /api/v1/strategies/<code>/segments/<segment>/results/``.

For analysts, supervisors and administrators (the report API's readers). ``?version=N`` reads a past
version of the strategy (default: the active one). The body: the strategy (code, version, active),
the segment, the cost currency, and per arm its sample size, rates and means per account, each
``{"value", "low", "high", "n"}`` (the 95% interval; null without accounts), and, for a challenger,
``versus_champion`` per figure: ``{"value", "low", "high", "statistic", "significant"}``. Rates are
fractions of 1; amounts per account are floats (estimates, not money on an account). An unknown
strategy or segment is 404, a version that is not a number 400, both with the API's error body.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collections_app.models import Segment
from collections_app.reports.api import IsReportReader
from collections_app.selectors.strategy_results import segment_results
from collections_app.selectors.strategy_screens import strategy_version


class StrategyResultsView(APIView):
    """One segment's arms with their results and 95% intervals (see the module's docstring)."""

    permission_classes = [IsReportReader]

    @extend_schema(
        operation_id="strategy_segment_results",
        summary="An experiment's results per arm",
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, description="The strategy's version (default: the active one).")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, code: str, segment: str) -> Response:
        raw = request.query_params.get("version", "")
        if raw and not raw.isdigit():
            raise ValidationError({"version": ["A whole number."]})
        strategy = strategy_version(code, int(raw) if raw else None)
        found = Segment.objects.filter(strategy=strategy, code=segment).first() if strategy else None
        if strategy is None or found is None:
            raise NotFound("No such strategy version or segment.")
        body: dict[str, Any] = {
            "strategy": {"code": strategy.code, "version": strategy.version, "active": strategy.active},
            **segment_results(found).as_dict(),
        }
        return Response(body)
