"""The supervisor's strategy screens: the active strategies (each segment's size today, the arms and
their plans), a challenger at a share of a segment, running the plan for today, and a segment's results
per arm with their intervals, from which a challenger is promoted.

Thin: the reads are ``selectors.strategy_screens`` and ``selectors.strategy_results``, the writes
``services.strategy_versions`` and ``services.plan_requests`` (the plan is queued for a worker,
``tasks.plan_run_task``). For supervisors (who run the strategies); a
strategy or segment code that does not exist is 404. A refusal is shown on the page, nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.calendar import book_date
from collections_app import roles
from collections_app.forms.strategies import ChallengerForm
from collections_app.models import Arm, PlanRequest, PlanRun, Segment, Strategy
from collections_app.selectors.strategy_results import segment_results
from collections_app.selectors.strategy_screens import (
    plan_requests_latest,
    plan_runs_latest,
    strategies_active,
    strategy_rows,
    strategy_version,
)
from collections_app.services import clock
from collections_app.services.plan_requests import plan_request_create
from collections_app.services.strategy_versions import challenger_create, challenger_promote
from collections_app.tasks import plan_run_task
from config.errors import DomainError

RUNNERS = (roles.SUPERVISOR,)


def _segment(code: str, segment: str, version: int | None = None) -> tuple[Strategy, Segment]:
    strategy = strategy_version(code, version)
    if strategy is None:
        raise Http404
    return strategy, get_object_or_404(Segment, strategy=strategy, code=segment)


def _version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return int(raw)


def _plan_context() -> dict[str, Any]:
    return {"runs": plan_runs_latest(), "plan_requests": plan_requests_latest()}


def _page(request: HttpRequest, *, forms: dict[int, ChallengerForm] | None = None, status: int = 200) -> HttpResponse:
    today = book_date(clock.now())
    strategies: list[dict[str, Any]] = [
        {"strategy": strategy, "segments": strategy_rows(strategy, today)} for strategy in strategies_active()
    ]
    forms = forms or {}
    for strategy_entry in strategies:
        for row in strategy_entry["segments"]:
            row.form = forms.get(row.segment.pk) or ChallengerForm(prefix=f"s{row.segment.pk}")
    context = {"strategies": strategies, "today": today, **_plan_context()}
    return render(request, "collections_app/strategies/list.html", context, status=status)


@require_GET
@roles.role_required(*RUNNERS)
def strategy_list_view(request: HttpRequest) -> HttpResponse:
    """The active strategies: each segment's size today, its arms with their shares and plans."""
    return _page(request)


@require_POST
@roles.role_required(*RUNNERS)
def challenger_create_view(request: HttpRequest, code: str, segment: str) -> HttpResponse:
    """A challenger at a share of the segment, with a copy of the champion's plan."""
    _strategy, found = _segment(code, segment)
    form = ChallengerForm(request.POST, prefix=f"s{found.pk}")
    if form.is_valid():
        try:
            arm = challenger_create(
                segment=found, share=form.cleaned_data["share"], name=form.cleaned_data["name"],
                user=request.user if isinstance(request.user, User) else None,
            )  # fmt: skip
        except DomainError as refusal:
            for field, texts in refusal.errors.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(
                request,
                _("Challenger %(arm)s created at %(share)s%% of %(segment)s.")
                % {"arm": arm.display_name, "share": arm.share, "segment": found.display_name},
            )
            return redirect("strategies")
    return _page(request, forms={found.pk: form}, status=400)


@require_POST
@roles.role_required(*RUNNERS)
def plan_run_view(request: HttpRequest) -> HttpResponse:
    """Queue today's plan (the intraday refresh) for a worker: new members get their arm and today's
    actions. Without a broker it runs at once in-process, and the page says what it did."""
    today = book_date(clock.now())
    queued = plan_request_create(
        today=today, kind=PlanRun.Kind.INTRADAY, user=request.user if isinstance(request.user, User) else None
    )
    # The request's row is committed (plan_request_create's own transaction; views run in autocommit), so a
    # worker finds it.
    plan_run_task.delay(request_id=queued.pk)
    queued.refresh_from_db()
    if queued.status == PlanRequest.Status.FINISHED:
        messages.success(
            request,
            _("Plan for %(date)s run: %(assigned)s accounts given an arm, %(created)s actions recorded, %(stopped)s stopped.")
            % {"date": today.isoformat(), "assigned": queued.assigned, "created": queued.created, "stopped": queued.stopped},
        )
    else:
        messages.success(request, _("Plan for %(date)s queued; this page shows when it has run.") % {"date": today.isoformat()})
    return redirect("strategies")


@require_GET
@roles.role_required(*RUNNERS)
def plan_status_view(request: HttpRequest) -> HttpResponse:
    """The plan panel alone, polled by the page while a run is queued or running."""
    return render(request, "collections_app/strategies/_plan_panel.html", _plan_context())


@require_GET
@roles.role_required(*RUNNERS)
def segment_results_view(request: HttpRequest, code: str, segment: str) -> HttpResponse:
    """The segment's arms side by side: sample sizes, rates and amounts with their 95% intervals."""
    strategy, found = _segment(code, segment, _version(request))
    results = segment_results(found)
    return render(
        request,
        "collections_app/strategies/results.html",
        {"strategy": strategy, "segment": found, "results": results},
    )


@require_POST
@roles.role_required(*RUNNERS)
def challenger_promote_view(request: HttpRequest, code: str, segment: str, arm: str) -> HttpResponse:
    """Promote the challenger: a new version of the strategy with its plan as the segment's champion."""
    _strategy, found = _segment(code, segment)
    challenger = get_object_or_404(Arm, segment=found, code=arm)
    try:
        new = challenger_promote(arm=challenger, user=request.user if isinstance(request.user, User) else None)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("strategy-results", code=code, segment=segment)
    messages.success(
        request,
        _("%(arm)s promoted: version %(version)s of %(strategy)s is active.")
        % {"arm": challenger.display_name, "version": new.version, "strategy": new.display_name},
    )
    return redirect("strategies")
