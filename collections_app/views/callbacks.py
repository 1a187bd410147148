"""The callback panel of a case (htmx partial or a page of its own): pending callbacks and the form.

A refused time shows the engine's reasons and the next allowed time, and fills the form with it.
Reads through ``cases_visible_to``; scheduling and closing through ``cases_workable_by`` (404
otherwise). Every change fires ``callbacks-changed``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Phone
from collections_app import roles
from collections_app.forms.promises import LOCAL_INPUT, CallbackForm
from collections_app.models import Case
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.services import clock
from collections_app.services.callbacks import case_callback_close, case_callback_schedule
from collections_app.views.contact_panel import borrower_now
from config.errors import DomainError
from scheduling.models import Callback

CALLBACKS_CHANGED = "callbacks-changed"


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _case(request: HttpRequest, case_id: int, *, work: bool) -> Case:
    cases = cases_workable_by(request.user) if work else cases_visible_to(request.user)
    return get_object_or_404(cases.select_related("account__borrower", "agent__user"), pk=case_id)


def _phones(case: Case) -> list[Phone]:
    return list(case.account.borrower.phones.filter(owner=Phone.Owner.BORROWER).order_by("pk"))


def _auto_id(request: HttpRequest) -> str:
    """Field ids of the panel: a second panel on the screen (after a call, ``?slot=call``) has its own."""
    return "id_call_%s" if request.GET.get("slot") == "call" else "id_%s"


def _panel(
    request: HttpRequest,
    case: Case,
    *,
    form: CallbackForm | None = None,
    refusal: DomainError | None = None,
    saved: Callback | None = None,
    error: str = "",
) -> HttpResponse:
    borrower = case.account.borrower
    zone = ZoneInfo(borrower.timezone)
    can_work = case.status == Case.Status.OPEN and cases_workable_by(request.user).filter(pk=case.pk).exists()
    if form is None and can_work:
        form = CallbackForm(phones=_phones(case), auto_id=_auto_id(request))
    callbacks = list(
        Callback.objects.filter(case=case)
        .select_related("phone", "agent__user", "created_by")
        .order_by("-due_at")[:20]
    )
    context = {
        "case": case,
        "borrower": borrower,
        "zone": borrower.timezone,
        "local_now": borrower_now(zone, clock.now()),
        "pending": [cb for cb in callbacks if cb.status == Callback.Status.PENDING],
        "closed": [cb for cb in callbacks if cb.status != Callback.Status.PENDING],
        "can_work": can_work,
        "form": form,
        "refusal": refusal,
        "saved": saved,
        "error": error,
        "slot": "call" if request.GET.get("slot") == "call" else "",
    }
    template = (
        "collections_app/promises/_callback_panel.html"
        if _htmx(request)
        else "collections_app/promises/case_callbacks.html"
    )
    return render(request, template, context)


@require_GET
@roles.role_required(*roles.ROLES)
def case_callbacks(request: HttpRequest, case_id: int) -> HttpResponse:
    return _panel(request, _case(request, case_id, work=False))


@require_POST
@roles.role_required(roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
def callback_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Schedule a callback at a time on the borrower's clock, if the compliance engine allows it."""
    case = _case(request, case_id, work=True)
    zone = ZoneInfo(case.account.borrower.timezone)
    form = CallbackForm(request.POST, phones=_phones(case), auto_id=_auto_id(request))
    with timezone.override(zone):
        valid = form.is_valid()
    if not valid:
        return _panel(request, case, form=form)
    try:
        callback = case_callback_schedule(
            case=case,
            due_at=form.cleaned_data["due_at"],
            phone=form.chosen_phone(),
            actor=request.user,
            note=form.cleaned_data.get("note") or "",
            now=clock.now(),
        )
    except DomainError as error:
        next_at = error.extra.get("next_allowed_at")
        initial = {"phone": request.POST.get("phone", ""), "note": request.POST.get("note", "")}
        if next_at:  # offer the next allowed time in the form
            initial["due_at"] = (
                dt.datetime.fromisoformat(next_at.replace("Z", "+00:00"))
                .astimezone(zone)
                .strftime(LOCAL_INPUT)
            )
        form = CallbackForm(initial=initial, phones=_phones(case), auto_id=_auto_id(request))
        return _panel(request, case, form=form, refusal=error)
    if not _htmx(request):
        messages.success(request, _("Callback scheduled."))
        return redirect("case-callbacks", case_id=case.pk)
    response = _panel(request, case, saved=callback)
    response["HX-Trigger"] = CALLBACKS_CHANGED
    return response


@require_POST
@roles.role_required(roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
def callback_close_view(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = get_object_or_404(
        Callback.objects.filter(case__in=cases_workable_by(request.user)), pk=callback_id
    )
    case = _case(request, callback.case_id, work=True)
    status = request.POST.get("status", Callback.Status.DONE)
    try:
        case_callback_close(callback=callback, status=status, actor=request.user)
    except DomainError as error:
        return _panel(request, case, error=error.message)
    if not _htmx(request):
        return redirect("case-callbacks", case_id=case.pk)
    response = _panel(request, case)
    response["HX-Trigger"] = CALLBACKS_CHANGED
    return response
