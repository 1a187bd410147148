"""Extension screens: the negotiation panel of a case (htmx partial or a page) and the approvers' queue.

The panel reads through ``cases_visible_to``; acting goes through ``cases_workable_by`` (the
case's agent, its team lead, a supervisor): anyone else gets 404. Rules live in the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.calendar import book_date
from collections_app import roles
from collections_app.models import Case, ExtensionRequest, ExtensionSop
from collections_app.models.extensions import HARDSHIP_REASONS, OPEN_STATUSES
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.selectors.extensions import (
    approval_queue,
    extension_histories,
    extensions_of_case,
    recent_decisions,
    unpaid_installments,
)
from collections_app.services import clock
from collections_app.services.extensions import (
    Terms,
    extension_apply,
    extension_approve,
    extension_cancel,
    extension_create,
    extension_eligibility,
    extension_may_approve,
    extension_quote,
    extension_reject,
    extension_submit,
    extension_tick_step,
)
from config.errors import DomainError

WORKERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
HUNDRED = Decimal(100)


def _today() -> dt.date:
    return book_date(clock.now())


class TermsForm(forms.Form):
    installment = forms.TypedChoiceField(label=_("Installment to defer"), coerce=int)
    days_deferred = forms.IntegerField(label=_("Days deferred"), min_value=1)
    penalty_waiver = forms.DecimalField(label=_("Penalty waived (%)"), min_value=0, max_value=100, decimal_places=2, initial=0)
    interest_waiver = forms.DecimalField(label=_("Interest waived (%)"), min_value=0, max_value=100, decimal_places=2, initial=0)
    down_payment = forms.DecimalField(label=_("Down payment"), min_value=0, decimal_places=2, initial=0)
    hardship_reason = forms.ChoiceField(label=_("Hardship reason"))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, request: ExtensionRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        installment = cast(forms.TypedChoiceField, self.fields["installment"])
        installment.choices = [(i.seq, f"#{i.seq} · {i.due_date:%Y-%m-%d}") for i in unpaid_installments(request.case)]
        reason = cast(forms.ChoiceField, self.fields["hardship_reason"])
        reason.choices = [(code, HARDSHIP_REASONS.get(code, code)) for code in request.sop.hardship_reasons]
        days = self.fields["days_deferred"]
        days.initial = request.sop.max_extension_days
        days.widget.attrs["max"] = str(request.sop.max_extension_days)

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            installment_seqs=[data["installment"]],
            days_deferred=data["days_deferred"],
            penalty_waiver=data["penalty_waiver"] / HUNDRED,
            interest_waiver=data["interest_waiver"] / HUNDRED,
            down_payment=data["down_payment"],
            hardship_reason=data["hardship_reason"],
            note=data["note"],
        )


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _case(request: HttpRequest, case_id: int, *, work: bool) -> Case:
    cases = cases_workable_by(request.user) if work else cases_visible_to(request.user)
    return get_object_or_404(cases.select_related("account__borrower", "agent__user"), pk=case_id)


def _request(request: HttpRequest, extension_id: int) -> ExtensionRequest:
    return get_object_or_404(
        ExtensionRequest.objects.filter(case__in=cases_workable_by(request.user)).select_related("sop", "case__account"),
        pk=extension_id,
    )


def _panel(
    request: HttpRequest, case: Case, *, form: TermsForm | None = None, quote: Any = None, error: str = "", saved: str = ""
) -> HttpResponse:
    extensions = list(extensions_of_case(case))
    histories = extension_histories(extensions)
    for extension in extensions:
        extension.history = histories[extension.pk]  # type: ignore[attr-defined]
    current = next((e for e in extensions if e.status in OPEN_STATUSES), None)
    can_work = cases_workable_by(request.user).filter(pk=case.pk).exists() and case.status == Case.Status.OPEN
    language = (getattr(request, "LANGUAGE_CODE", "") or "en")
    steps = []
    if current is not None:
        steps = [
            {"step": s, "text": s.text(language), "ticked": current.script.get(s.code)} for s in current.sop.steps.all()
        ]
        if form is None and current.status == ExtensionRequest.Status.DRAFT:
            form = TermsForm(request=current)
    context = {
        "case": case,
        "currency": case.account.currency,
        "eligibility": extension_eligibility(case=case, today=_today()) if current is None else [],
        "current": current,
        "steps": steps,
        "form": form,
        "quote": quote,
        "extensions": [e for e in extensions if e is not current],
        "can_work": can_work,
        "error": error,
        "saved": saved,
    }
    template = (
        "collections_app/extensions/_panel.html" if _htmx(request) else "collections_app/extensions/case_extensions.html"
    )
    return render(request, template, context)


def _after_change(request: HttpRequest, case: Case, **kwargs: Any) -> HttpResponse:
    if not _htmx(request):
        return redirect("case-extensions", case_id=case.pk)
    return _panel(request, case, **kwargs)


@require_GET
@roles.role_required(*roles.ROLES)
def case_extensions(request: HttpRequest, case_id: int) -> HttpResponse:
    """The extension panel: eligible SOPs (and why not), the open request's script and terms, past requests."""
    return _panel(request, _case(request, case_id, work=False))


@require_POST
@roles.role_required(*WORKERS)
def extension_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id, work=True)
    sop = get_object_or_404(ExtensionSop, pk=request.POST.get("sop") or 0)
    try:
        extension_create(
            case=case, sop=sop, actor=request.user, today=_today(), via_third_party=bool(request.POST.get("via_third_party"))
        )
    except DomainError as error:
        return _panel(request, case, error=" ".join([error.message, *error.errors.get("sop", [])]))
    return _after_change(request, case)


@require_POST
@roles.role_required(*WORKERS)
def extension_tick(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = _request(request, extension_id)
    try:
        extension_tick_step(request=extension, step_code=request.POST.get("step", ""), actor=request.user)
    except DomainError as error:
        return _panel(request, extension.case, error=error.message)
    return _after_change(request, extension.case)


@require_POST
@roles.role_required(*WORKERS)
def extension_terms(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Preview the cost of the terms (``action=preview``) or submit them."""
    extension = _request(request, extension_id)
    form = TermsForm(request.POST, request=extension)
    if not form.is_valid():
        return _panel(request, extension.case, form=form)
    if request.POST.get("action") == "preview":
        quote, errors = extension_quote(request=extension, terms=form.terms())
        for message in [m for messages in errors.values() for m in messages]:
            form.add_error(None, message)
        return _panel(request, extension.case, form=form, quote=quote)
    try:
        submitted = extension_submit(request=extension, terms=form.terms(), actor=request.user)
        if submitted.status == ExtensionRequest.Status.APPROVED and submitted.down_payment == 0:
            extension_apply(request=submitted, actor=request.user, today=_today())
            return _after_change(request, extension.case, saved=str(_("Approved within your authority and applied.")))
    except DomainError as error:
        for message in [m for messages in error.errors.values() for m in messages] or [error.message]:
            form.add_error(None, message)
        return _panel(request, extension.case, form=form)
    return _after_change(request, extension.case, saved=str(_("Submitted for approval.")))


@require_POST
@roles.role_required(*WORKERS)
def extension_cancel_view(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = _request(request, extension_id)
    try:
        extension_cancel(request=extension, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _panel(request, extension.case, error=error.message)
    return _after_change(request, extension.case)


@require_POST
@roles.role_required(*WORKERS)
def extension_apply_view(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = _request(request, extension_id)
    try:
        extension_apply(request=extension, actor=request.user, today=_today())
    except DomainError as error:
        return _panel(request, extension.case, error=error.message)
    return _after_change(request, extension.case, saved=str(_("Extension applied: the schedule changed.")))


@require_GET
@roles.role_required(roles.TEAM_LEAD, roles.SUPERVISOR)
def extension_queue(request: HttpRequest) -> HttpResponse:
    """Requests waiting for the user's decision, with the script record and the numbers."""
    language = getattr(request, "LANGUAGE_CODE", "") or "en"
    waiting = list(approval_queue(request.user)[:200])
    histories = extension_histories(waiting)
    rows = []
    for extension in waiting:
        steps = {s.code: s.text(language) for s in extension.sop.steps.all()}
        rows.append(
            {
                "request": extension,
                "script": [(steps.get(code, code), tick) for code, tick in extension.script.items()],
                "refusal": extension_may_approve(request=extension, user=request.user),
                "history": histories[extension.pk],
            }
        )
    return render(
        request,
        "collections_app/extensions/queue.html",
        {
            "rows": rows, "error": request.GET.get("error", ""), "hardship": HARDSHIP_REASONS,
            "decided": list(recent_decisions(request.user)),
        },
    )


def _decision_message(extension: ExtensionRequest) -> str:
    account = extension.case.account.external_id
    if extension.status == ExtensionRequest.Status.REJECTED:
        return gettext("Extension of %(account)s rejected: %(reason)s") % {
            "account": account, "reason": extension.decision_reason,
        }
    if extension.status == ExtensionRequest.Status.APPLIED:
        changes = ", ".join(
            gettext("#%(seq)s now due %(date)s") % {"seq": change["seq"], "date": change["after"]["due_date"]}  # type: ignore[index]
            for change in extension.schedule_changes
        )
        return gettext("Extension of %(account)s approved and applied: %(changes)s.") % {
            "account": account, "changes": changes or gettext("the schedule changed"),
        }
    return gettext("Extension of %(account)s approved; it applies once the down payment of %(amount)s is received.") % {
        "account": account, "amount": extension.down_payment,
    }


@require_POST
@roles.role_required(roles.TEAM_LEAD, roles.SUPERVISOR)
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Approve (and apply when no down payment is awaited) or reject with a reason."""
    extension = get_object_or_404(approval_queue(request.user), pk=extension_id)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("decision") == "reject":
            decided = extension_reject(request=extension, actor=request.user, reason=reason)
        else:
            decided = extension_approve(request=extension, actor=request.user, reason=reason)
            if decided.down_payment == 0:
                decided = extension_apply(request=decided, actor=request.user, today=_today())
    except DomainError as error:
        return redirect(f"{reverse('extension-queue')}?{urlencode({'error': error.message})}")
    messages.success(request, _decision_message(decided))
    return redirect("extension-queue")
