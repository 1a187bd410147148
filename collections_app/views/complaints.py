"""Complaints on the screens: the account screen's panel (the case's complaints, "Log a complaint"),
the owners' and supervisors' queue, nearest deadline first, with its acknowledge, reassign and resolve
actions (and the disputes waiting for their verification), and the agent's own complaints.

Thin: the reads are ``selectors.complaints`` (a case one may not see is 404), the writes
``services.complaints``. Logging one is for who may work the case; a holding complaint fires
``contact-changed``, so the compliance panel refreshes and shows the engine's ``complaint_open``.
Acknowledging, reassigning and resolving are for team leads (their team's complaints) and supervisors,
never the agent complained about; each step is audited by the service.
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
from collections_app.forms.complaints import ComplaintAssignForm, ComplaintForm, ComplaintResolveForm
from collections_app.models import Case, Complaint, ContactAttempt, Message
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.complaints import (
    case_complaints,
    complaint_owners,
    complaints_about_agent,
    complaints_to_resolve,
    complaints_visible_to,
)
from collections_app.selectors.contacts import cases_workable_by
from collections_app.selectors.disputes import disputes_to_verify
from collections_app.services import clock
from collections_app.services.complaints import (
    complaint_acknowledge,
    complaint_assign,
    complaint_may_resolve,
    complaint_register,
    complaint_resolve,
)
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
    return (
        ContactAttempt.objects.filter(case=case, channel=ContactAttempt.Channel.CALL).order_by("-placed_at", "-pk").first()
    )


def _call_label(attempt: ContactAttempt | None) -> str:
    return dateformat.format(attempt.placed_at, MOMENT_FORMAT) if attempt is not None else ""


def _last_message(case: Case) -> Message | None:
    return Message.objects.filter(case=case).order_by("-created_at", "-pk").first()


def _message_label(message: Message | None) -> str:
    if message is None:
        return ""
    return f"{message.get_channel_display()}, {dateformat.format(message.created_at, MOMENT_FORMAT)}"


def _form(case: Case, data: object = None) -> ComplaintForm:
    """The form, offering to link the case's last call and last message when there are some."""
    labels = {"last_call_label": _call_label(_last_call(case)), "last_message_label": _message_label(_last_message(case))}
    return ComplaintForm(data, **labels) if data is not None else ComplaintForm(**labels)


def _due_on(complaints: list[Complaint], zone_name: str | None = None) -> list[Complaint]:
    """Give each complaint ``due_on``: the borrower's day its next deadline ends (deadlines are the
    ends of days in the borrower's zone), or None once resolved."""
    for complaint in complaints:
        due_at = getattr(complaint, "due_at", None)
        zone = zone_or_none(zone_name or complaint.case.account.borrower.timezone) or dt.UTC
        complaint.due_on = (due_at - dt.timedelta(microseconds=1)).astimezone(zone).date() if due_at else None  # type: ignore[attr-defined]
    return complaints


def _form_errors(form: ComplaintForm | ComplaintResolveForm | ComplaintAssignForm, refusal: DomainError, renamed: dict[str, str]) -> None:
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
        form = _form(case)
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
    last_call, last_message = _last_call(case), _last_message(case)
    form = _form(case, request.POST)
    if not form.is_valid():
        return _panel(request, case, form=form)
    data = form.cleaned_data
    attempts = [last_call] if last_call is not None and data.get("link_last_call") else []
    message = last_message if data.get("link_last_message") else None
    try:
        complaint = complaint_register(
            case=case,
            category=data["category"],
            channel=data["channel"],
            description=data["description"],
            actor=cast(User, request.user),
            attempts=attempts,
            # About a text alone: the agent complained about is who sent it.
            agent=message.agent if message is not None and not attempts else None,
            message_id=message.pk if message is not None else None,
            now=clock.now(),
        )
    except DomainError as refusal:
        _form_errors(form, refusal, {"attempts": "link_last_call"})
        return _panel(request, case, form=form)
    return _panel(request, case, saved=complaint)


def _queue_page(
    request: HttpRequest,
    *,
    failed: Complaint | None = None,
    failed_form: ComplaintResolveForm | ComplaintAssignForm | None = None,
) -> HttpResponse:
    user = cast(User, request.user)
    rows: list[dict[str, object]] = []
    complaints = _due_on(list(complaints_to_resolve(user, now=clock.now())[:SHOWN]))
    owners = complaint_owners()
    for complaint in complaints:
        may_resolve = complaint_may_resolve(user, complaint)
        form = assign_form = None
        if may_resolve:
            mine = failed is not None and failed.pk == complaint.pk
            form = failed_form if mine and isinstance(failed_form, ComplaintResolveForm) else None
            form = form or ComplaintResolveForm(auto_id=f"id_c{complaint.pk}_%s")
            assign_form = failed_form if mine and isinstance(failed_form, ComplaintAssignForm) else None
            assign_form = assign_form or ComplaintAssignForm(
                auto_id=f"id_a{complaint.pk}_%s", owners=owners,
                initial={"owner": complaint.owner.username if complaint.owner else None},
            )  # fmt: skip
        rows.append({"complaint": complaint, "form": form, "assign_form": assign_form})
    return render(
        request,
        "collections_app/complaints/queue.html",
        {
            "rows": rows,
            "overdue": sum(1 for complaint in complaints if getattr(complaint, "overdue", False)),
            "refusal": failed_form.non_field_errors() if failed_form is not None else [],
            "disputes": list(disputes_to_verify(user)[:SHOWN]),
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


def _resolvable(request: HttpRequest, complaint_id: int) -> Complaint:
    """The complaint, if the user sees it (else 404) and may act on it (else 403)."""
    complaint = complaints_visible_to(request.user).select_related("owner").filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404
    if not complaint_may_resolve(cast(User, request.user), complaint):
        raise PermissionDenied
    return complaint


@require_POST
@roles.role_required(*RESOLVERS)
def complaint_acknowledge_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """Record that the borrower was told the complaint is being handled (audited; once)."""
    complaint = _resolvable(request, complaint_id)
    try:
        complaint_acknowledge(complaint=complaint, actor=cast(User, request.user), at=clock.now())
    except DomainError as refusal:
        form = ComplaintResolveForm(auto_id=f"id_c{complaint.pk}_%s")
        form.add_error(None, refusal.message)
        return _queue_page(request, failed=complaint, failed_form=form)
    messages.success(request, _("Complaint %(id)s acknowledged.") % {"id": complaint.pk})
    return redirect("complaint-queue")


@require_POST
@roles.role_required(*RESOLVERS)
def complaint_assign_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """Give the complaint to another owner, a team lead or a supervisor (audited)."""
    complaint = _resolvable(request, complaint_id)
    form = ComplaintAssignForm(request.POST, auto_id=f"id_a{complaint.pk}_%s", owners=complaint_owners())
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            complaint_assign(complaint=complaint, owner=owner, actor=cast(User, request.user))
        except DomainError as refusal:
            _form_errors(form, refusal, {})
        else:
            if owner is None:
                messages.success(request, _("Complaint %(id)s has no owner now.") % {"id": complaint.pk})
            else:
                messages.success(
                    request, _("Complaint %(id)s is %(owner)s's now.") % {"id": complaint.pk, "owner": owner.username}
                )
            return redirect("complaint-queue")
    return _queue_page(request, failed=complaint, failed_form=form)


@require_GET
@roles.role_required(roles.AGENT)
def my_complaints_view(request: HttpRequest) -> HttpResponse:
    """The agent's own complaints: those about their calls and those on their cases, with where each stands."""
    user = cast(User, request.user)
    complaints = _due_on(list(complaints_about_agent(user, now=clock.now())[:SHOWN]))
    workable = set(cases_workable_by(user).filter(pk__in={c.case_id for c in complaints}).values_list("pk", flat=True))
    for complaint in complaints:
        complaint.about_me = complaint.agent_id == user.pk  # type: ignore[attr-defined]
        complaint.linkable = complaint.case_id in workable  # type: ignore[attr-defined]
    return render(request, "collections_app/complaints/mine.html", {"complaints": complaints})
