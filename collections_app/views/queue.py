"""The agent's queue and the account screen of a case."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Bucket
from accounts.services.pii import pii_reveal_record
from collections_app import roles
from collections_app.forms.calls import CallOutcomeForm
from collections_app.models import Case
from collections_app.selectors.account_summary import account_summary
from collections_app.selectors.cases import QUEUE_ORDER, agent_queue, agent_queue_held, cases_visible_to
from collections_app.selectors.contacts import cases_contact, cases_workable_by, open_calls
from collections_app.selectors.promises import borrower_today
from collections_app.services import clock
from collections_app.views.contact_panel import (
    CallArea,
    compliance_panel,
    history_rows,
    queue_rows,
    request_forms,
)

PAGE_SIZE = 25


@require_GET
@roles.role_required(roles.AGENT, roles.TEAM_LEAD)
def queue(request: HttpRequest) -> HttpResponse:
    """My open cases in priority order, each with whether it may be called now (or from when);
    htmx swaps only the table when a filter changes."""
    bucket = request.GET.get("bucket") or None
    at = clock.now()
    cases = agent_queue(request.user, at=at, bucket=bucket)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    context = {
        "page": page,
        "held": agent_queue_held(request.user, at=at, bucket=bucket),
        "rows": queue_rows(listed, cases_contact(listed, at=at), request),
        "bucket": bucket,
        "buckets": Bucket.objects.exclude(code="M0").values_list("code", flat=True),
    }
    template = "collections_app/_queue_table.html" if getattr(request, "htmx", False) else "collections_app/queue.html"
    return render(request, template, context)


@require_GET
@roles.role_required(roles.AGENT, roles.TEAM_LEAD)
def queue_next(request: HttpRequest) -> HttpResponse:
    """Open the case after ``?after=<case id>`` in queue order (the first one without it). Back on
    the queue, a message says why: the last case was worked, or the queue is empty."""
    cases = agent_queue(request.user, at=clock.now())
    after = request.GET.get("after")
    if after and after.isdigit():
        ids = list(cases.values_list("pk", flat=True)[:2000])
        if int(after) in ids:
            position = ids.index(int(after))
            if position < len(ids) - 1:
                return redirect("case-detail", case_id=ids[position + 1])
            messages.info(request, _("That was the last case of your queue: you are back at the queue."))
            return redirect("queue")
    first = cases.values_list("pk", flat=True).first()
    if first:
        return redirect("case-detail", case_id=first)
    messages.info(request, _("Your queue is empty: no case to open next."))
    return redirect("queue")


def account_screen_context(request: HttpRequest, case: Case, *, call: CallArea | None = None) -> dict[str, object]:
    """Everything the account screen shows; ``call`` is the call area's state after an action."""
    account = case.account
    at = clock.now()
    can_call = cases_workable_by(request.user).filter(pk=case.pk).exists()
    if call is None:
        call = CallArea()
        live = open_calls(case=case, user=cast(User, request.user), at=at).first() if can_call else None
        if live is not None:
            call = CallArea(state="live", attempt=live, form=CallOutcomeForm())
    return {
        "case": case,
        "account": account,
        "borrower": account.borrower,
        "summary": account_summary(
            account=account, case=case, today=borrower_today(account.borrower, now=at), user=request.user
        ),
        "phones": account.borrower.phones.order_by("pk"),
        "installments": account.installments.order_by("seq"),
        "payments": account.payments.order_by("-received_at")[:50],
        "assignments": case.assignments.select_related("from_agent__user", "to_agent__user", "by")[:20],
        "other_cases": account.cases.filter(~Q(pk=case.pk)).order_by("-opened_on")[:10],
        "queue_order": QUEUE_ORDER,
        "is_own": case.agent is not None and case.agent.user_id == request.user.pk,
        "can_reveal": can_call,
        "panel": compliance_panel(case=case, at=at, request=request, can_call=can_call),
        "history": history_rows(case),
        "call": call,
        **request_forms(request, case),
    }


def case_for_screen(request: HttpRequest, case_id: int) -> Case:
    """The case, if the user may see it (404 otherwise), with what every part of the screen reads."""
    return get_object_or_404(
        cases_visible_to(request.user).select_related("account", "account__borrower", "team", "agent__user"),
        pk=case_id,
    )


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The account screen: borrower (masked), the live compliance panel and the call area, contact
    history, loan, schedule, payments, assignment history."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    case = case_for_screen(request, case_id)
    return render(request, "collections_app/case_detail.html", account_screen_context(request, case))


@require_POST
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """Show one piece of personal data in clear, after a reason; every reveal is recorded.

    Only who may work the case (its agent, the team lead, a supervisor) reveals: analysts and
    administrators read the case masked, and anyone else is told it does not exist (404).
    """
    case = get_object_or_404(cases_workable_by(request.user).select_related("account__borrower"), pk=case_id)
    borrower = case.account.borrower
    field = request.POST.get("field", "")
    reason = request.POST.get("reason", "").strip()
    if not reason:
        return HttpResponse(_("Say why you need to see it."), status=400)
    if field == "address":
        value = ", ".join(v for v in [borrower.address_line, borrower.region, borrower.postal_code, borrower.country] if v)
    elif field.startswith("phone:") and field[6:].isdigit():
        phone = get_object_or_404(borrower.phones, pk=int(field[6:]))
        value = phone.number
    else:
        return HttpResponse(_("Unknown field."), status=400)
    pii_reveal_record(user=cast(User, request.user), borrower=borrower, field=field, reason=reason)  # 404 above if anonymous
    return HttpResponse(f'<span class="revealed">{escape(value)}</span>')
