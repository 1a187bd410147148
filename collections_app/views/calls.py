"""The account screen's contact actions: the compliance panel, calls and their outcomes, borrower requests.

Reads start from ``cases_visible_to``; every action from ``cases_workable_by`` (the case's agent,
its team lead, a supervisor): anyone else gets 404. With htmx each action answers the part of the
screen it changes and fires ``contact-changed`` so the panel and the history refresh; without it,
the whole account screen.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Phone
from collections_app import roles
from collections_app.forms.calls import (
    CallOutcomeForm,
    ContactRequestForm,
    ReverseBlockForm,
    disposition_label,
)
from collections_app.models import Case, ContactAttempt
from collections_app.selectors.contacts import UNREPORTED, cases_workable_by
from collections_app.services import clock
from collections_app.services.calls import call_not_dialed, call_outcome_record, call_place
from collections_app.services.contact_requests import borrower_request_record, contact_block_reverse
from collections_app.views.contact_panel import (
    REVERSERS,
    CallArea,
    agent_zone,
    compliance_panel,
    effect_lines,
    follow_ups,
    history_rows,
    moment,
    request_forms,
    reverse_targets,
    talk_text,
)
from collections_app.views.queue import account_screen_context, case_for_screen
from config.errors import DomainError
from scheduling.engine.clock import zone_or_none

CONTACT_CHANGED = "contact-changed"


def _user(request: HttpRequest) -> User:
    if not request.user.is_authenticated:
        raise Http404
    return cast(User, request.user)


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _workable_case(request: HttpRequest, case_id: int) -> Case:
    _user(request)
    return get_object_or_404(
        cases_workable_by(request.user).select_related("account", "account__borrower", "team", "agent__user"),
        pk=case_id,
    )


def _own_attempt(request: HttpRequest, case: Case, attempt_id: int) -> ContactAttempt:
    """An attempt of this case placed by this user: only the caller reports a call."""
    return get_object_or_404(
        ContactAttempt.objects.select_related("phone"), pk=attempt_id, case=case, agent=_user(request)
    )


def _call_response(request: HttpRequest, case: Case, call: CallArea, *, changed: bool = True) -> HttpResponse:
    if _htmx(request):
        response = render(request, "collections_app/_call_area.html", {"case": case, "call": call})
    else:
        response = render(
            request, "collections_app/case_detail.html", account_screen_context(request, case, call=call)
        )
    if changed:
        response["HX-Trigger"] = CONTACT_CHANGED
    return response


@require_GET
def compliance_panel_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The compliance panel alone, for htmx to refresh every minute and after every change."""
    _user(request)
    case = case_for_screen(request, case_id)
    can_call = cases_workable_by(request.user).filter(pk=case.pk).exists()
    panel = compliance_panel(case=case, at=clock.now(), request=request, can_call=can_call)
    return render(request, "collections_app/_compliance_panel.html", {"case": case, "panel": panel})


@require_GET
def contact_history_view(request: HttpRequest, case_id: int) -> HttpResponse:
    _user(request)
    case = case_for_screen(request, case_id)
    return render(
        request, "collections_app/_contact_history.html", {"case": case, "history": history_rows(case)}
    )


@require_POST
def call_place_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """ "Call": the engine decides now; refused, the reasons and when; allowed, the number and the outcome form."""
    case = _workable_case(request, case_id)
    phone_id = request.POST.get("phone", "")
    if not phone_id.isdigit():
        raise Http404
    phone = get_object_or_404(
        Phone.objects.select_related("borrower"), pk=int(phone_id), borrower=case.account.borrower
    )
    try:
        placed = call_place(case=case, phone=phone, actor=_user(request), at=clock.now())
    except DomainError as refusal:
        return _call_response(request, case, CallArea(state="error", message=refusal.message), changed=False)
    if placed.attempt is None:
        next_allowed = moment(
            placed.decision.next_allowed_at,
            borrower_zone=zone_or_none(case.account.borrower.timezone),
            agent=agent_zone(request)[1],
        )
        return _call_response(
            request, case, CallArea(state="refused", decision=placed.decision, next_allowed=next_allowed)
        )
    call = CallArea(state="live", attempt=placed.attempt, number=placed.number, form=CallOutcomeForm())
    return _call_response(request, case, call)


@require_POST
def call_outcome_view(request: HttpRequest, case_id: int, attempt_id: int) -> HttpResponse:
    """Log how the call went; the disposition's side effects happen in the same transaction."""
    case = _workable_case(request, case_id)
    attempt = _own_attempt(request, case, attempt_id)
    form = CallOutcomeForm(request.POST)
    if attempt.status not in UNREPORTED:
        return _call_response(
            request, case, CallArea(state="error", message=_("This call is already logged.")), changed=False
        )
    live = CallArea(state="live", attempt=attempt, form=form)
    if not form.is_valid():
        return _call_response(request, case, live, changed=False)
    data = form.cleaned_data
    try:
        outcome = call_outcome_record(
            attempt=attempt,
            disposition=data["disposition"],
            right_party_contact=data["right_party_contact"],
            conversation=data["conversation"],
            talk_seconds=data["talk_time"],
            notes=data["notes"],
            actor=_user(request),
            at=clock.now(),
        )
    except DomainError as refusal:
        for name, messages in refusal.errors.items():
            target = "talk_time" if name == "talk_seconds" else name
            for message in messages:
                form.add_error(target if target in form.fields else None, message)
        if not refusal.errors:
            form.add_error(None, refusal.message)
        return _call_response(request, case, live, changed=False)
    logged = CallArea(
        state="logged",
        attempt=outcome.attempt,
        effects=effect_lines(outcome.effects),
        follow_ups=follow_ups(outcome),
        disposition=disposition_label(outcome.attempt.disposition),
        talk=talk_text(outcome.attempt.talk_seconds),
    )
    return _call_response(request, case, logged)


@require_POST
def call_not_dialed_view(request: HttpRequest, case_id: int, attempt_id: int) -> HttpResponse:
    """The agent did not dial after all: the reservation is released and stops counting."""
    case = _workable_case(request, case_id)
    attempt = _own_attempt(request, case, attempt_id)
    try:
        call_not_dialed(attempt=attempt, actor=_user(request))
    except DomainError as refusal:
        return _call_response(request, case, CallArea(state="error", message=refusal.message), changed=False)
    return _call_response(request, case, CallArea(state="released"))


@require_POST
def contact_request_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record what the borrower asked (cease, dispute, a number not to call, not at work, hours,
    breathing space); the grave ones with a note and the agent's confirmation."""
    case = _workable_case(request, case_id)
    phones = list(case.account.borrower.phones.order_by("pk"))
    form = ContactRequestForm(request.POST, phones=phones)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            borrower_request_record(
                borrower=case.account.borrower,
                kind=data["kind"],
                actor=_user(request),
                at=clock.now(),
                only_after=data["only_after"],
                only_before=data["only_before"],
                breathing_space_until=data["breathing_space_until"],
                phone=form.chosen_phone(),
                note=data["note"],
            )
            saved = True
        except DomainError as refusal:
            _form_errors(form, refusal)
    return _requests_response(request, case, form=None if saved else form, saved=saved)


@require_POST
def contact_block_reverse_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A team lead or supervisor reverses a cease, dispute or do-not-call entered by mistake (audited)."""
    case = _workable_case(request, case_id)
    if not roles.user_has_role(request.user, *REVERSERS):
        raise PermissionDenied
    phones = list(case.account.borrower.phones.order_by("pk"))
    form = ReverseBlockForm(request.POST, targets=reverse_targets(case, phones))
    saved = False
    if form.is_valid():
        kind, _sep, phone_id = form.cleaned_data["target"].partition(":")
        try:
            contact_block_reverse(
                borrower=case.account.borrower,
                kind=kind,
                phone=next((p for p in phones if str(p.pk) == phone_id), None),
                actor=_user(request),
                reason=form.cleaned_data["reason"],
            )
            saved = True
        except DomainError as refusal:
            _form_errors(form, refusal)
    return _requests_response(request, case, reverse_form=None if saved else form, saved=saved, reversed_=saved)


def _form_errors(form: forms.Form, refusal: DomainError) -> None:
    for name, messages in refusal.errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not refusal.errors:
        form.add_error(None, refusal.message)


def _requests_response(
    request: HttpRequest,
    case: Case,
    *,
    form: ContactRequestForm | None = None,
    reverse_form: ReverseBlockForm | None = None,
    saved: bool,
    reversed_: bool = False,
) -> HttpResponse:
    context = {
        "case": case,
        **request_forms(request, case, form=form, reverse_form=reverse_form),
        "request_saved": saved and not reversed_,
        "request_reversed": reversed_,
    }
    if _htmx(request):
        response = render(request, "collections_app/_contact_requests.html", context)
    else:
        full = account_screen_context(request, case)
        response = render(request, "collections_app/case_detail.html", {**full, **context})
    if saved:
        response["HX-Trigger"] = CONTACT_CHANGED
    return response
