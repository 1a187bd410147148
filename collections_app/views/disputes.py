"""Disputes on the screens: the account screen's panel (the debt's disputes, "Open a dispute") and a
dispute's page, where a team lead or supervisor records the verification and resolves it upheld (the
amounts corrected) or rejected; the open ones are listed under the complaints queue.

Thin: the reads are ``selectors.disputes`` (a dispute one may not see is 404), the writes
``services.disputes`` (audited there). Opening one is for who may work the case; it fires
``contact-changed``, so the compliance panel refreshes and shows the engine's ``dispute`` hold.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Installment
from collections_app import roles
from collections_app.forms.disputes import COMPONENT_CHOICES, DisputeOpenForm, DisputeResolveForm
from collections_app.models import Case, Dispute
from collections_app.selectors.cases import cases_visible_to
from collections_app.selectors.contacts import cases_workable_by
from collections_app.selectors.disputes import account_disputes, disputes_visible_to
from collections_app.services import clock
from collections_app.services.disputes import dispute_may_resolve, dispute_open, dispute_resolve
from config.errors import DomainError

CONTACT_CHANGED = "contact-changed"
WORKERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)
RESOLVERS = (roles.TEAM_LEAD, roles.SUPERVISOR)


def _errors_into(form: DisputeOpenForm | DisputeResolveForm, refusal: DomainError) -> None:
    for name, texts in refusal.errors.items():
        target = name if name in form.fields else None
        if name.startswith("corrections["):
            row = name[len("corrections[") : -1]
            target = f"amount_{row}" if f"amount_{row}" in form.fields else None
        for text in texts:
            form.add_error(target, text)
    if not refusal.errors:
        form.add_error(None, refusal.message)


def _panel(
    request: HttpRequest, case: Case, *, form: DisputeOpenForm | None = None, saved: Dispute | None = None
) -> HttpResponse:
    can_work = cases_workable_by(request.user).filter(pk=case.pk).exists()
    disputes = list(account_disputes(case.account_id)[:20])
    context = {
        "case": case,
        "disputes": disputes,
        "form": (form or DisputeOpenForm()) if can_work and not any(d.status == Dispute.Status.OPEN for d in disputes) else None,
        "saved": saved,
    }  # fmt: skip
    template = "_panel.html" if getattr(request, "htmx", False) else "case_disputes.html"
    response = render(request, f"collections_app/disputes/{template}", context, status=400 if form and form.errors else 200)
    if saved is not None:
        response["HX-Trigger"] = CONTACT_CHANGED
    return response


@require_GET
def case_disputes_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The debt's disputes (the open one holds collection) and, for who may work the case, the form."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = get_object_or_404(cases_visible_to(request.user).select_related("account"), pk=case_id)
    return _panel(request, case)


@require_POST
@roles.role_required(*WORKERS)
def dispute_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Open a dispute the borrower raises about this debt; collection on it holds at once."""
    case = get_object_or_404(cases_workable_by(request.user).select_related("account"), pk=case_id)
    form = DisputeOpenForm(request.POST)
    if not form.is_valid():
        return _panel(request, case, form=form)
    try:
        dispute = dispute_open(
            account=case.account, case=case, via=Dispute.Via.AGENT, actor=cast(User, request.user),
            reason=form.cleaned_data["reason"], at=clock.now(),
        )  # fmt: skip
    except DomainError as refusal:
        _errors_into(form, refusal)
        return _panel(request, case, form=form)
    return _panel(request, case, saved=dispute)


def _page(request: HttpRequest, dispute: Dispute, form: DisputeResolveForm | None = None) -> HttpResponse:
    installments = list(Installment.objects.filter(loan_id=dispute.account_id).order_by("seq"))
    may_resolve = dispute.status == Dispute.Status.OPEN and dispute_may_resolve(request.user)
    if may_resolve and form is None:
        form = DisputeResolveForm(installments=[i.seq for i in installments])
    rows = [
        {"seq": i.seq, "due_date": i.due_date, "components": [
            (name, getattr(i, f"{name}_due"), getattr(i, f"{name}_paid")) for name in ("principal", "interest", "fee", "penalty")
        ]} for i in installments
    ]  # fmt: skip
    return render(
        request,
        "collections_app/disputes/detail.html",
        {"dispute": dispute, "installments": rows, "form": form if may_resolve else None, "corrections": [
            {**fix, "component": dict(COMPONENT_CHOICES).get(str(fix.get("component")), fix.get("component"))}
            for fix in dispute.corrections or []
        ]},
        status=400 if form is not None and form.errors else 200,
    )


def _visible(request: HttpRequest, dispute_id: int) -> Dispute:
    dispute = (
        disputes_visible_to(request.user)
        .select_related("account__borrower", "case", "opened_by", "resolved_by", "attempt")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise Http404
    return dispute


@require_GET
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """One dispute, for who reads its debt's case: what is disputed, the loan's schedule, and (open, for a
    team lead or supervisor) the verification form."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _page(request, _visible(request, dispute_id))


@require_POST
@roles.role_required(*RESOLVERS)
def dispute_resolve_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """Record the verification and the outcome; an upheld dispute's corrections lower the debt. Collection resumes."""
    dispute = _visible(request, dispute_id)
    if not dispute_may_resolve(request.user):
        raise PermissionDenied
    seqs = list(Installment.objects.filter(loan_id=dispute.account_id).order_by("seq").values_list("seq", flat=True))
    form = DisputeResolveForm(request.POST, installments=seqs)
    if not form.is_valid():
        return _page(request, dispute, form)
    try:
        dispute_resolve(
            dispute=dispute, outcome=form.cleaned_data["outcome"], verification=form.cleaned_data["verification"],
            actor=cast(User, request.user), corrections=form.corrections(), at=clock.now(),
        )  # fmt: skip
    except DomainError as refusal:
        _errors_into(form, refusal)
        return _page(request, dispute, form)
    messages.success(request, _("Dispute %(id)s resolved: collection on the debt resumes.") % {"id": dispute.pk})
    return redirect("dispute-detail", dispute_id=dispute.pk)
