"""Promise screens: the promise panel of a case (htmx partial or a page of its own), the agent's day
of promises and the team lead's promises by agent.

The panel reads through ``cases_visible_to``; recording and cancelling go through
``cases_workable_by`` (the case's agent, its team lead, a supervisor): anyone else gets 404.
Every change answers the fresh panel and fires ``promises-changed`` so other panels refresh.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.calendar import book_date, day_end
from collections_app import roles
from collections_app.forms.promises import PromiseForm
from collections_app.models import Case, ContactAttempt, PromiseToPay, Team
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.selectors.money import Amounts
from collections_app.selectors.promises import (
    agent_day,
    agents_reported_to,
    borrower_today,
    promise_limits,
    promise_pipeline,
    promises_by_agent,
    promises_of_case,
)
from collections_app.services import clock
from collections_app.services.promises import promise_cancel, promise_create
from config.errors import DomainError
from scheduling.models import Callback

PROMISES_CHANGED = "promises-changed"
# A promise recorded on the panel is linked to the user's right-party call on the case this recent.
RECENT_CALL = dt.timedelta(hours=2)
BOARD_PERIODS = (7, 30, 90)
PIPELINE_PERIODS = (7, 14, 30)
BOARD_ROLES = (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST)


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _case(request: HttpRequest, case_id: int, *, work: bool) -> Case:
    cases = cases_workable_by(request.user) if work else cases_visible_to(request.user)
    return get_object_or_404(cases.select_related("account__borrower", "agent__user"), pk=case_id)


def _call(request: HttpRequest, case: Case, attempt_id: str | int | None) -> ContactAttempt | None:
    """The call the promise comes from: the one named, else the user's recent right-party call."""
    calls = ContactAttempt.objects.filter(case=case, right_party_contact=True)
    if attempt_id:
        return calls.filter(pk=int(attempt_id)).first() if str(attempt_id).isdigit() else None
    since = clock.now() - RECENT_CALL
    return calls.filter(agent_id=request.user.pk, placed_at__gte=since).order_by("-placed_at").first()


def _auto_id(request: HttpRequest) -> str:
    """Field ids of the panel: a second panel on the screen (after a call, ``?slot=call``) has its own."""
    return "id_call_%s" if request.GET.get("slot") == "call" else "id_%s"


def _panel(
    request: HttpRequest,
    case: Case,
    *,
    form: PromiseForm | None = None,
    attempt: ContactAttempt | None = None,
    saved: PromiseToPay | None = None,
    error: str = "",
) -> HttpResponse:
    borrower = case.account.borrower
    today = borrower_today(borrower, now=clock.now())
    promises = list(promises_of_case(case))
    open_promise = next((p for p in promises if p.status == PromiseToPay.Status.OPEN), None)
    can_work = cases_workable_by(request.user).filter(pk=case.pk).exists()
    if form is None and can_work and open_promise is None:
        form = PromiseForm(initial={"attempt": attempt.pk if attempt else None}, auto_id=_auto_id(request))
    context = {
        "case": case,
        "borrower": borrower,
        "currency": case.account.currency,
        "limits": promise_limits(case=case, today=today),
        "promises": promises,
        "open_promise": open_promise,
        "can_work": can_work and case.status == Case.Status.OPEN,
        "form": form,
        "attempt": attempt,
        "saved": saved,
        "error": error,
        "slot": "call" if request.GET.get("slot") == "call" else "",
    }
    template = (
        "collections_app/promises/_panel.html"
        if _htmx(request)
        else "collections_app/promises/case_promises.html"
    )
    return render(request, template, context)


@require_GET
@roles.role_required(*roles.ROLES)
def case_promises(request: HttpRequest, case_id: int) -> HttpResponse:
    """The promise panel: the open promise, the form (with the policy's limits) and past promises."""
    case = _case(request, case_id, work=False)
    return _panel(request, case, attempt=_call(request, case, request.GET.get("attempt")))


@require_POST
@roles.role_required(roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
def promise_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id, work=True)
    form = PromiseForm(request.POST, auto_id=_auto_id(request))
    with timezone.override(ZoneInfo(case.account.borrower.timezone)):
        valid = form.is_valid()
    attempt = _call(request, case, form.cleaned_data.get("attempt") if valid else None)
    if not valid:
        return _panel(request, case, form=form, attempt=attempt)
    now = clock.now()
    try:
        promise = promise_create(
            case=case,
            parts=form.parts(),
            actor=request.user,
            attempt=attempt,
            follow_up_at=form.cleaned_data.get("follow_up_at"),
            note=form.cleaned_data.get("note") or "",
            today=borrower_today(case.account.borrower, now=now),
            now=now,
        )
    except DomainError as error:
        form.add_service_errors(error.errors)
        if not error.errors:
            form.add_error(None, error.message)
        return _panel(request, case, form=form, attempt=attempt)
    if not _htmx(request):
        messages.success(request, _("Promise recorded."))
        return redirect("case-promises", case_id=case.pk)
    response = _panel(request, case, saved=promise)
    response["HX-Trigger"] = PROMISES_CHANGED
    return response


@require_POST
@roles.role_required(roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
def promise_cancel_view(request: HttpRequest, promise_id: int) -> HttpResponse:
    promise = get_object_or_404(
        PromiseToPay.objects.filter(case__in=cases_workable_by(request.user)), pk=promise_id
    )
    case = _case(request, promise.case_id, work=True)
    try:
        promise_cancel(promise=promise, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _panel(request, case, error=error.message)
    if not _htmx(request):
        messages.success(request, _("Promise cancelled."))
        return redirect("case-promises", case_id=case.pk)
    response = _panel(request, case)
    response["HX-Trigger"] = PROMISES_CHANGED
    return response


@require_GET
@roles.role_required(roles.AGENT, roles.TEAM_LEAD)
def my_promises(request: HttpRequest) -> HttpResponse:
    """The agent's day: promises due today, missed this week, kept this week, callbacks due today."""
    now = clock.now()
    today = book_date(now)
    callbacks = (
        Callback.objects.filter(
            case__agent__user=cast(User, request.user),
            status=Callback.Status.PENDING,
            due_at__lt=day_end(today),
        )
        .select_related("case__account__borrower", "phone")
        .order_by("due_at")[:100]
    )
    return render(
        request,
        "collections_app/promises/my_promises.html",
        {"day": agent_day(request.user, today=today), "callbacks": callbacks, "today": today, "now": now},
    )


@require_GET
@roles.role_required(*BOARD_ROLES)
def promise_board(request: HttpRequest) -> HttpResponse:
    """Promises by agent: open now, and kept / partially kept / broken in the period, with the kept rate."""
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 30
    days = days if days in BOARD_PERIODS else 30
    today = book_date(clock.now())
    agents = agents_reported_to(request.user)
    teams = Team.objects.filter(pk__in=agents.values("team")).order_by("name")
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        agents = agents.filter(team_id=int(team_id))
    rows = promises_by_agent(agents, since=today - dt.timedelta(days=days - 1))
    totals = {
        name: sum((getattr(row, name) for row in rows), 0)
        for name in ("open_count", "kept_count", "partial_count", "broken_count")
    }
    totals.update(
        {
            name: sum((getattr(row, name) for row in rows), Amounts())
            for name in ("open_amount", "kept_amount", "partial_received", "broken_amount")
        }
    )
    settled = totals["kept_count"] + totals["partial_count"] + totals["broken_count"]
    return render(
        request,
        "collections_app/promises/board.html",
        {
            "rows": rows,
            "totals": totals,
            "kept_rate": (Decimal(totals["kept_count"]) * 100 / settled).quantize(Decimal("0.1"))
            if settled
            else None,
            "days": days,
            "periods": BOARD_PERIODS,
            "teams": teams,
            "team_id": int(team_id) if team_id.isdigit() else None,
            "since": today - dt.timedelta(days=days - 1),
            "today": today,
        },
    )


@require_GET
@roles.role_required(roles.AGENT, *BOARD_ROLES)
def promise_pipeline_view(request: HttpRequest) -> HttpResponse:
    """Open promises by date: an agent's own, a team's for its lead, any team's for a supervisor; with
    what has been received toward each."""
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 14
    days = days if days in PIPELINE_PERIODS else 14
    today = book_date(clock.now())
    agents = agents_reported_to(request.user).select_related("user", "team").order_by("user__username")
    watches = roles.user_has_role(request.user, *BOARD_ROLES)
    cases = cases_visible_to(request.user) if watches else Case.objects.filter(agent__user=cast(User, request.user))
    team_id = request.GET.get("team", "")
    if watches and team_id.isdigit():
        cases = cases.filter(team_id=int(team_id))
        agents = agents.filter(team_id=int(team_id))
    agent_id = request.GET.get("agent", "")
    pipeline = promise_pipeline(
        cases, today=today, days=days, agent_id=int(agent_id) if watches and agent_id.isdigit() else None
    )
    return render(
        request,
        "collections_app/promises/pipeline.html",
        {
            "pipeline": pipeline, "days": days, "periods": PIPELINE_PERIODS, "watches": watches,
            "agents": list(agents) if watches else [],
            "teams": Team.objects.filter(pk__in=agents_reported_to(request.user).values("team")).order_by("name")
            if watches else [],
            "team_id": int(team_id) if team_id.isdigit() else None,
            "agent_id": int(agent_id) if agent_id.isdigit() else None,
        },
    )
