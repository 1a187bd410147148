"""Messages on the screens: the account screen's message panel and the message log.

- The panel (``/cases/<id>/messages/``) is for who may work the case (anyone else: 404). The agent
  picks a channel, a template and one of the borrower's addresses; the panel shows the text as the
  borrower would read it (the template's version in the borrower's language) and the engine's
  decision on it now, read-only. "Send" asks the engine again at that instant
  (``services.messages.message_create``): allowed, the message is queued and handed to the sender
  after the commit, and ``contact-changed`` refreshes the contact history; refused, the panel shows
  the reasons and the next allowed time on the borrower's clock (and the agent's).
- The log (``/messages/``) lists the messages of the cases the user sees (``selectors.messages``),
  filtered by status, channel, days and team, addresses masked, a page at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collections_app import roles
from collections_app.forms.messages import MessageForm, MessageLogForm
from collections_app.models import Case, ContactAttempt, Message
from collections_app.models.message_text import sms_segments
from collections_app.selectors.contacts import cases_workable_by
from collections_app.selectors.messages import message_log
from collections_app.selectors.teams import teams_visible_to
from collections_app.services import clock
from collections_app.services.messages import message_check, message_create, message_preview
from collections_app.tasks import messages_send_after_commit
from collections_app.views.contact_panel import Moment, agent_zone, moment
from config.errors import DomainError
from scheduling.engine import Decision
from scheduling.engine.clock import zone_or_none

CONTACT_CHANGED = "contact-changed"
LOG_READERS = (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST)
LOG_PAGE_SIZE = 50


@dataclass
class MessageArea:
    """What the panel shows under the form: the text, the engine's answer, the outcome of a send."""

    subject: str = ""
    body: str = ""
    segments: int | None = None
    language: str = ""
    language_code: str = ""
    decision: Decision | None = None
    next_allowed: Moment | None = None
    closes: Moment | None = None
    problem: str = ""  # the template or address cannot be used: why
    sent: Message | None = None  # the message just queued
    refused: Message | None = None  # the message just refused (with ``decision`` and ``next_allowed``)


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _workable_case(request: HttpRequest, case_id: int) -> Case:
    return get_object_or_404(
        cases_workable_by(request.user).select_related("account", "account__borrower", "team"), pk=case_id
    )


def _form(case: Case, data: object = None) -> MessageForm:
    borrower = case.account.borrower
    return MessageForm(
        data,  # type: ignore[arg-type]
        auto_id="message_%s",  # the complaint form on the same screen has a channel too
        phones=list(borrower.phones.order_by("pk")),
        emails=list(borrower.emails.order_by("pk")),
    )


def _moments(request: HttpRequest, case: Case, decision: Decision) -> tuple[Moment | None, Moment | None]:
    zone = zone_or_none(case.account.borrower.timezone)
    agent = agent_zone(request)[1]
    return (
        moment(decision.next_allowed_at, borrower_zone=zone, agent=agent),
        moment(decision.window_closes_at, borrower_zone=zone, agent=agent),
    )


def _area(request: HttpRequest, case: Case, form: MessageForm, at: dt.datetime) -> MessageArea:
    """The chosen template's text for this case and the engine's decision on sending it now."""
    template_code, phone, email = form.current("template"), form.phone(), form.email()
    if not template_code:
        return MessageArea(problem=_("No template is in use for this channel."))
    if phone is None and email is None:
        return MessageArea(problem=_("The borrower has no address for this channel."))
    try:
        template, subject, body = message_preview(
            case=case, template_code=template_code, agent=cast(User, request.user), at=at
        )
        decision = message_check(case=case, template_code=template_code, phone=phone, email=email, at=at)
    except DomainError as refusal:
        return MessageArea(problem=refusal.message)
    next_allowed, closes = _moments(request, case, decision)
    return MessageArea(
        subject=subject,
        body=body,
        segments=sms_segments(body).count if template.channel == "sms" else None,
        language=template.get_language_display(),
        language_code=template.language,
        decision=decision,
        next_allowed=next_allowed,
        closes=closes,
    )


def _panel(
    request: HttpRequest, case: Case, form: MessageForm, area: MessageArea, *, changed: bool = False
) -> HttpResponse:
    context = {"case": case, "form": form, "area": area}
    name = "collections_app/messages/_panel.html" if _htmx(request) else "collections_app/messages/case_messages.html"
    response = render(request, name, context)
    if changed:
        response["HX-Trigger"] = CONTACT_CHANGED
    return response


@require_GET
def case_messages_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The message panel for the choice in the query (the first channel, template and address by default)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = _workable_case(request, case_id)
    form = _form(case, request.GET if "channel" in request.GET else None)
    return _panel(request, case, form, _area(request, case, form, clock.now()))


@require_POST
def message_send_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Send the chosen message: the engine decides at this instant; queued, or refused with why and when."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = _workable_case(request, case_id)
    form = _form(case, request.POST)
    at = clock.now()
    if not form.is_valid():
        area = _area(request, case, form, at)
        return _panel(request, case, form, area)
    try:
        decided = message_create(
            case=case,
            template_code=form.cleaned_data["template"],
            phone=form.phone(),
            email=form.email(),
            channel=form.cleaned_data["channel"],
            agent=cast(User, request.user),
            source=ContactAttempt.Source.AGENT,
            at=at,
        )
    except DomainError as refusal:
        area = _area(request, case, form, at)
        area.problem = refusal.message
        return _panel(request, case, form, area)
    if decided.allowed:
        messages_send_after_commit([decided.message.pk])
    area = _area(request, case, form, at)
    message = Message.objects.select_related("template").get(pk=decided.message.pk)
    if decided.allowed:
        area.sent = message
    else:
        area.refused = message
        area.decision = decided.decision
        area.next_allowed, area.closes = _moments(request, case, decided.decision)
    return _panel(request, case, form, area, changed=decided.allowed)


@require_GET
@roles.role_required(*LOG_READERS)
def message_log_view(request: HttpRequest) -> HttpResponse:
    """The messages of the cases the user sees, newest first, filtered, addresses masked, paged."""
    user = cast(User, request.user)
    teams = teams_visible_to(user)
    form = MessageLogForm(request.GET or None, teams=teams)
    if form.is_bound:
        form.is_valid()
    messages = message_log(user, form.wanted())
    page = Paginator(messages, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collections_app/messages/log.html",
        {"form": form, "page": page, "messages_shown": list(page.object_list), "show_team": teams.exists()},
    )
