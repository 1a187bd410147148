"""Complaints on the screens: the account screen's panel (the case's complaints, "Log a complaint")
and the owners' and supervisors' queue, nearest deadline first, with its resolve action.

Thin: the reads are ``selectors.complaints`` (a case one may not see is 404), the writes
``services.complaints``. Logging one is for who may work the case; a holding complaint fires
``contact-changed``, so the compliance panel refreshes and shows the engine's ``complaint_open``.
Resolving is for team leads (their team's complaints) and supervisors, never the agent complained about.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collections_app import roles
from collections_app.forms.complaints import ComplaintForm, ComplaintResolveForm
from collections_app.models import Case, Complaint, ContactAttempt
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.complaints import case_complaints, complaints_to_resolve, complaints_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.complaints import complaint_may_resolve, complaint_register, complaint_resolve
from collections_app.views.contact_panel import MOMENT_FORMAT
from config.errors import DomainError
from scheduling.engine.clock import zone_or_none

CONTACT_CHANGED = "contact-changed"
WORKERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
RESOLVERS = (roles.TEAM_LEAD, roles.SUPERVISOR)
SHOWN = 200


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _last_call(case: Case) -> ContactAttempt | None:
    return ContactAttempt.objects.filter(case=case).order_by("-placed_at", "-pk").first()


def _call_label(attempt: ContactAttempt | None) -> str:
    return dateformat.format(attempt.placed_at, MOMENT_FORMAT) if attempt is not None else ""


def _due_on(complaints: list[Complaint], zone_name: str | None = None) -> list[Complaint]:
    """Give each complaint ``due_on``: the borrower's day its next deadline ends (deadlines are the
    ends of days in the borrower's zone), or None once resolved."""
    for complaint in complaints:
        due_at = getattr(complaint, "due_at", None)
        zone = zone_or_none(zone_name or complaint.case.account.borrower.timezone) or dt.UTC
        complaint.due_on = (due_at - dt.timedelta(microseconds=1)).astimezone(zone).date() if due_at else None  # type: ignore[attr-defined]
    return complaints


def _form_errors(form: ComplaintForm | ComplaintResolveForm, refusal: DomainError, renamed: dict[str, str]) -> None:
    for name, texts in refusal.errors.items():
        target = renamed.get(name, name)
        for text in texts:
            form.add_error(target if target in form.fields else None, text)
    if not refusal.errors:
        form.add_error(None, refusal.message)


def _panel(
    request: HttpRequest, case: Case, *, form: ComplaintForm | None = None, saved: Complaint | None = None
) -> HttpResponse:
    can_work = cases_workable_by(request.user).filter(pk=case.pk).exists()
    if form is None and can_work:
        form = ComplaintForm(last_call_label=_call_label(_last_call(case)))
    context = {
        "case": case,
        "complaints": _due_on(list(case_complaints(case.pk, now=clock.now())[:20]), case.account.borrower.timezone),
        "form": form if can_work else None,
        "saved": saved,
    }
    if _htmx(request):
        response = render(request, "collections_app/complaints/_panel.html", context)
    else:
        response = render(request, "collections_app/complaints/case_complaints.html", context)
    if saved is not None:
        response["HX-Trigger"] = CONTACT_CHANGED
    return response


@require_GET
def case_complaints_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's complaints (open ones with their status and deadline) and, for its workers, the form."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = get_object_or_404(cases_visible_to(request.user).select_related("account__borrower"), pk=case_id)
    return _panel(request, case)


@require_POST
@roles.role_required(*WORKERS)
def complaint_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Log a complaint the borrower makes; a holding one stops every contact about the debt at once."""
    case = get_object_or_404(
        cases_workable_by(request.user).select_related("account__borrower", "team"), pk=case_id
    )
    last_call = _last_call(case)
    form = ComplaintForm(request.POST, last_call_label=_call_label(last_call))
    if not form.is_valid():
        return _panel(request, case, form=form)
    data = form.cleaned_data
    try:
        complaint = complaint_register(
            case=case,
            category=data["category"],
            channel=data["channel"],
            description=data["description"],
            actor=cast(User, request.user),
            attempts=[last_call] if last_call is not None and data.get("link_last_call") else [],
            now=clock.now(),
        )
    except DomainError as refusal:
        _form_errors(form, refusal, {"attempts": "link_last_call"})
        return _panel(request, case, form=form)
    return _panel(request, case, saved=complaint)


def _queue_page(
    request: HttpRequest, *, failed: Complaint | None = None, failed_form: ComplaintResolveForm | None = None
) -> HttpResponse:
    user = cast(User, request.user)
    rows: list[dict[str, object]] = []
    complaints = _due_on(list(complaints_to_resolve(user, now=clock.now())[:SHOWN]))
    for complaint in complaints:
        may_resolve = complaint_may_resolve(user, complaint)
        form = None
        if may_resolve:
            form = failed_form if failed is not None and failed.pk == complaint.pk else None
            form = form or ComplaintResolveForm(auto_id=f"id_c{complaint.pk}_%s")
        rows.append({"complaint": complaint, "form": form})
    return render(
        request,
        "collections_app/complaints/queue.html",
        {
            "rows": rows,
            "overdue": sum(1 for complaint in complaints if getattr(complaint, "overdue", False)),
            "refusal": failed_form.non_field_errors() if failed_form is not None else [],
        },
        status=400 if failed is not None else 200,
    )


@require_GET
@roles.role_required(*RESOLVERS)
def complaint_queue_view(request: HttpRequest) -> HttpResponse:
    """The open complaints a team lead (the team's) or a supervisor (all) answers, nearest deadline first."""
    return _queue_page(request)


@require_POST
@roles.role_required(*RESOLVERS)
def complaint_resolve_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """Close a complaint with its outcome, root cause and answer; a hold it put on the debt lifts."""
    user = cast(User, request.user)
    complaint = complaints_visible_to(user).filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404
    if not complaint_may_resolve(user, complaint):
        raise PermissionDenied
    form = ComplaintResolveForm(request.POST, auto_id=f"id_c{complaint.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint_resolve(
                complaint=complaint, actor=user, resolution=data["resolution"], root_cause=data["root_cause"],
                note=data["note"], at=clock.now(),
            )  # fmt: skip
        except DomainError as refusal:
            _form_errors(form, refusal, {"resolution_note": "note"})
        else:
            messages.success(request, _("Complaint %(id)s resolved.") % {"id": complaint.pk})
            return redirect("complaint-queue")
    return _queue_page(request, failed=complaint, failed_form=form)
