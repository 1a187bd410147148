"""What the account screen and the queue show about contacting a borrower, ready to print.

Instants are shown twice: on the borrower's wall clock (the one the rules judge) and on the
agent's (the zone their browser reports, made the active zone by ``config.middleware.BrowserZoneMiddleware``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from accounts.models import Phone
from collections_app import roles
from collections_app.forms.calls import ContactRequestForm, ReverseBlockForm, disposition_label
from collections_app.models import Case, ContactAttempt, Message
from collections_app.selectors.contacts import (
    CaseContact,
    contact_history,
    contact_preference,
    phone_decisions,
)
from collections_app.services.calls import CallOutcome, Effect
from scheduling.engine import Decision
from scheduling.engine.clock import zone_or_none
from scheduling.models import ContactPreference

MOMENT_FORMAT = "D Y-m-d H:i T"
# Where the promise and callback features plug their forms into the outcome of a call. The
# template gets ``case``, ``account``, ``borrower`` and ``attempt`` (the call just logged).
PROMISE_FORM_TEMPLATE = "collections_app/_promise_form.html"
CALLBACK_FORM_TEMPLATE = "collections_app/_callback_form.html"


def agent_zone(request: HttpRequest) -> tuple[str, dt.tzinfo]:
    """The zone to show the agent's own times in: their browser's (``BrowserZoneMiddleware`` made
    it the active zone), else the site's."""
    return timezone.get_current_timezone_name(), timezone.get_current_timezone()


def borrower_now(zone: ZoneInfo | None, at: dt.datetime) -> str:
    """The borrower's wall clock at ``at``, as the compliance panel writes it (``Tue 2026-04-07 15:02 CDT``)."""
    return dateformat.format(at.astimezone(zone or dt.UTC), MOMENT_FORMAT)


@dataclass(frozen=True)
class Moment:
    """One instant on the borrower's wall clock and on the agent's."""

    borrower: str
    agent: str
    same_zone: bool


def moment(at: dt.datetime | None, *, borrower_zone: ZoneInfo | None, agent: dt.tzinfo) -> Moment | None:
    if at is None:
        return None
    mine = dateformat.format(at.astimezone(agent), MOMENT_FORMAT)
    theirs = dateformat.format(at.astimezone(borrower_zone), MOMENT_FORMAT) if borrower_zone else mine
    return Moment(borrower=theirs, agent=mine, same_zone=theirs == mine)


@dataclass(frozen=True)
class PhoneRow:
    phone: Phone
    decision: Decision
    next_allowed: Moment | None
    closes: Moment | None

    @property
    def blocked_for_good(self) -> bool:
        return not self.decision.allowed and self.decision.next_allowed_at is None


@dataclass(frozen=True)
class CompliancePanel:
    case: Case
    rows: list[PhoneRow]
    checked: Moment
    requests: list[str]
    borrower_zone: str
    agent_zone: str
    can_call: bool


def preference_lines(preference: ContactPreference | None, case: Case) -> list[str]:
    """The borrower's requests and the flags in force, in words."""
    lines: list[str] = []
    borrower = case.account.borrower
    if preference is not None:
        if preference.cease_communication:
            lines.append(_("Asked us to stop all communication (cease)."))
        if case.account_id in (preference.dispute_hold_accounts or ()):
            lines.append(_("Disputes the debt: collection paused until it is verified."))
        if preference.no_work_calls:
            lines.append(_("No calls at work."))
        after, before = preference.only_after, preference.only_before
        if after and before:
            lines.append(
                _("Only between %(after)s and %(before)s, borrower's time.")
                % {"after": after.strftime("%H:%M"), "before": before.strftime("%H:%M")}
            )
        elif after:
            lines.append(_("Only after %(after)s, borrower's time.") % {"after": after.strftime("%H:%M")})
        elif before:
            lines.append(_("Only before %(before)s, borrower's time.") % {"before": before.strftime("%H:%M")})
        if preference.breathing_space_until:
            lines.append(
                _("Breathing space until %(date)s (inclusive).")
                % {"date": preference.breathing_space_until.isoformat()}
            )
    if borrower.deceased:
        lines.append(_("Reported deceased."))
    if borrower.bankruptcy:
        lines.append(_("In bankruptcy."))
    if borrower.attorney_represented:
        lines.append(_("Represented by an attorney."))
    return lines


def compliance_panel(*, case: Case, at: dt.datetime, request: HttpRequest, can_call: bool) -> CompliancePanel:
    """Every phone of the case's borrower judged at ``at``; a constant number of queries."""
    account = case.account
    borrower = account.borrower
    zone = zone_or_none(borrower.timezone)
    agent_name, agent = agent_zone(request)
    phones = list(borrower.phones.order_by("pk"))
    decisions = phone_decisions(account=account, phones=phones, at=at)
    rows = [
        PhoneRow(
            phone=phone,
            decision=decisions[phone.pk],
            next_allowed=moment(decisions[phone.pk].next_allowed_at, borrower_zone=zone, agent=agent),
            closes=moment(decisions[phone.pk].window_closes_at, borrower_zone=zone, agent=agent),
        )
        for phone in phones
        if phone.pk in decisions
    ]
    checked = moment(at, borrower_zone=zone, agent=agent)
    assert checked is not None
    return CompliancePanel(
        case=case,
        rows=rows,
        checked=checked,
        requests=preference_lines(contact_preference(borrower.pk), case),
        borrower_zone=borrower.timezone,
        agent_zone=agent_name,
        can_call=can_call,
    )


REVERSERS = (roles.TEAM_LEAD, roles.SUPERVISOR)


def reverse_targets(case: Case, phones: list[Phone]) -> list[tuple[str, str]]:
    """What stops collection on this borrower and a lead may reverse: cease, dispute, numbers on do-not-call."""
    preference = contact_preference(case.account.borrower_id)
    targets: list[tuple[str, str]] = []
    if preference is not None and preference.cease_communication:
        targets.append(("cease", _("Cease: stop all communication")))
    if preference is not None and preference.dispute_hold:
        targets.append(("dispute", _("Dispute hold")))
    targets += [
        (f"do_not_call:{phone.pk}", _("Do not call %(number)s") % {"number": phone.number_masked})
        for phone in phones
        if phone.do_not_call
    ]
    return targets


def request_forms(
    request: HttpRequest,
    case: Case,
    *,
    form: ContactRequestForm | None = None,
    reverse_form: ReverseBlockForm | None = None,
) -> dict[str, object]:
    """The borrower-request form and, for a team lead or supervisor, the form that reverses a mistake."""
    phones = list(case.account.borrower.phones.order_by("pk"))
    context: dict[str, object] = {"request_form": form or ContactRequestForm(phones=phones)}
    if reverse_form is not None:  # a refused reversal shows with its errors
        context["reverse_form"] = reverse_form
    elif roles.user_has_role(request.user, *REVERSERS):
        targets = reverse_targets(case, phones)
        if targets:
            context["reverse_form"] = ReverseBlockForm(targets=targets)
    return context


@dataclass(frozen=True)
class HistoryRow:
    attempt: ContactAttempt
    placed: str
    disposition: str
    talk: str
    message: Message | None = None  # the text or e-mail this attempt carried, with its delivery status


def talk_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds else ""


def history_rows(case: Case) -> list[HistoryRow]:
    zone = zone_or_none(case.account.borrower.timezone)
    return [
        HistoryRow(
            attempt=attempt,
            placed=dateformat.format(attempt.placed_at.astimezone(zone or dt.UTC), "Y-m-d H:i T"),
            disposition=disposition_label(attempt.disposition),
            talk=talk_text(attempt.talk_seconds),
            message=getattr(attempt, "message", None),
        )
        for attempt in contact_history(case.account)
    ]


@dataclass(frozen=True)
class QueueRow:
    case: Case
    contact: CaseContact
    next_allowed: Moment | None


def queue_rows(cases: list[Case], contacts: dict[int, CaseContact], request: HttpRequest) -> list[QueueRow]:
    _name, agent = agent_zone(request)
    rows = []
    for case in cases:
        contact = contacts.get(case.pk, CaseContact(phone=None, decision=None))
        decision = contact.decision
        rows.append(
            QueueRow(
                case=case,
                contact=contact,
                next_allowed=moment(
                    decision.next_allowed_at if decision else None,
                    borrower_zone=zone_or_none(case.account.borrower.timezone),
                    agent=agent,
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class FollowUp:
    """A form another feature shows after a call (promise to pay, callback), or a note where it will."""

    kind: str
    title: str
    template: str | None
    note: str = ""


def _template_or_none(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def follow_ups(outcome: CallOutcome) -> list[FollowUp]:
    found: list[FollowUp] = []
    if outcome.promise_requested:
        found.append(
            FollowUp(
                "promise",
                _("Promise to pay"),
                _template_or_none(PROMISE_FORM_TEMPLATE),
                _("Record the promise (amount and date) in the promise form."),
            )
        )
    if outcome.callback_requested:
        found.append(
            FollowUp(
                "callback",
                _("Callback"),
                _template_or_none(CALLBACK_FORM_TEMPLATE),
                _(
                    "The borrower asked to be called back: the request is recorded; schedule it in the callback form."
                ),
            )
        )
    return found


EFFECT_TEXT = {
    Effect.NUMBER_UNCALLABLE: lambda: _(
        "The number is marked wrong or disconnected: it will not be offered again."
    ),
    Effect.DO_NOT_CALL: lambda: _("The number is on the do-not-call list now."),
    Effect.DISPUTE: lambda: _("A dispute hold is open: no contact until the debt is verified."),
    Effect.CEASE: lambda: _("The cease request is recorded: no more contact on any channel."),
    Effect.DECEASED: lambda: _("The borrower is recorded as deceased."),
    Effect.BANKRUPTCY: lambda: _("The borrower is recorded as in bankruptcy."),
    Effect.ATTORNEY: lambda: _("The borrower is recorded as represented by an attorney."),
    Effect.CALLBACK_REQUESTED: lambda: _("The callback request is recorded."),
    Effect.PROMISE_REQUESTED: lambda: _("A promise to pay is to be recorded."),
}


def effect_lines(effects: list[str]) -> list[str]:
    return [EFFECT_TEXT[name]() for name in effects if name in EFFECT_TEXT]


@dataclass
class CallArea:
    """What the call area of the account screen shows: nothing, a refusal, the live call, its outcome."""

    state: str = "idle"  # idle | refused | error | live | logged | released
    decision: Decision | None = None
    next_allowed: Moment | None = None
    attempt: ContactAttempt | None = None
    number: str = ""
    form: object | None = None
    message: str = ""
    effects: list[str] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    disposition: str = ""
    talk: str = ""
