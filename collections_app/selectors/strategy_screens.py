"""Reads of the supervisor's strategy screens: the active strategies with each segment's size today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch

from collections_app.models import Action, Arm, PlanRequest, PlanRun, Segment, Strategy
from collections_app.selectors.strategies import segment_members, strategy_segments


@dataclass
class SegmentRow:
    segment: Segment
    members: int
    arms: list[Arm]  # with their steps prefetched by day
    form: Any = None  # the screen's challenger form


def strategy_rows(strategy: Strategy, today: dt.date) -> list[SegmentRow]:
    """The strategy's segments in order, each with how many accounts are in it today (one query) and its arms."""
    segments = strategy_segments(strategy)
    members = segment_members(strategy, today, segments).values("segment_id").annotate(n=Count("pk"))  # type: ignore[misc]
    sizes: dict[int, int] = {row["segment_id"]: row["n"] for row in members.order_by()}  # type: ignore[misc]
    rows = []
    arms_by_segment = {
        segment.pk: list(
            segment.arms.prefetch_related(Prefetch("actions", queryset=Action.objects.order_by("day_offset", "pk")))
        )
        for segment in segments
    }
    for segment in segments:
        arms = sorted(arms_by_segment[segment.pk], key=lambda arm: (arm.kind != Arm.Kind.CHAMPION, arm.pk))
        rows.append(SegmentRow(segment=segment, members=sizes.get(segment.pk, 0), arms=arms))
    return rows


def strategies_active() -> list[Strategy]:
    return list(Strategy.objects.filter(active=True).order_by("code"))


def strategy_version(code: str, version: int | None = None) -> Strategy | None:
    """The strategy ``code`` at ``version``, or its active version."""
    versions = Strategy.objects.filter(code=code)
    return (versions.filter(version=version) if version else versions.filter(active=True)).first()


def plan_requests_latest(limit: int = 3) -> list[PlanRequest]:
    """The latest "Run the plan" requests from the strategies screen, newest first."""
    return list(PlanRequest.objects.select_related("requested_by").order_by("-requested_at", "-pk")[:limit])


def plan_runs_latest(limit: int = 5) -> list[PlanRun]:
    return list(PlanRun.objects.select_related("strategy", "started_by").order_by("-started_at", "-pk")[:limit])
