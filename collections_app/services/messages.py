"""Messages to borrowers (SMS and e-mail): composed from a template, decided by the compliance engine and
reserved through the contact attempt's one home (``services.attempts.attempt_reserve``), exactly as a call.

- ``message_create`` decides one message and records it in one transaction: allowed, it is
  ``queued`` with its reserved attempt; refused, it is ``refused`` with the engine's reasons. Either
  way the decision is stored with the message. The caller (an entry point) hands the queued ones to
  the sender after the commit (``collections_app.tasks.messages_send_after_commit``).
- An ``idempotency_key`` already used returns that message and writes nothing.
- ``defer``: a caller that would rather wait than record a refusal (the plan's sends, refused only
  until later in the plan's day) gets ``MessageDeferred`` with the engine's decision, and nothing is
  written; the engine is asked once, under the reservation's lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EmailAddress, Installment, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt, Message, MessageTemplate
from collections_app.services.attempts import attempt_reserve
from collections_app.services.attempts_many import ReservationAsk, attempts_reserve_many
from collections_app.services.message_templates import template_render, templates_current
from config.errors import DomainError, ErrorCode
from config.partitions import key_hold, keys_hold
from config.roundtrips import bulk_insert
from scheduling.engine import Decision, decision_from_json, evaluate

SENDABLE_CHANNELS = (MessageTemplate.Channel.SMS, MessageTemplate.Channel.EMAIL)
# A queued message's reservation lives until the sender has had its chance (it counts all the same).
MESSAGE_RESERVATION_TTL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class MessageDecided:
    message: Message
    decision: Decision
    created: bool

    @property
    def allowed(self) -> bool:
        return self.message.status != Message.Status.REFUSED


class MessageDeferred(Exception):
    """The engine refused the message and the caller's ``defer`` chose to wait: nothing was recorded."""

    def __init__(self, decision: Decision) -> None:
        super().__init__("message deferred")
        self.decision = decision


def template_for(*, code: str, language: str) -> MessageTemplate:
    """The current version of template ``code`` in ``language`` (the borrower's), else in English."""
    current = templates_current().filter(code=code)
    wanted = language.lower().replace("_", "-")
    if wanted.startswith("zh"):
        wanted = "zh-hans"
    template = current.filter(language=wanted).first() or current.filter(language="en").first()
    if template is None:
        raise DomainError(
            _("No active message template has the code %(code)r.") % {"code": code},
            errors={"template": [_("Unknown template.")]},
        )
    return template


def message_values(
    *, case: Case | None, agent: User | None, at: dt.datetime, account: LoanAccount | None = None
) -> dict[str, str]:
    """What a message about ``case`` (or ``account``, before it has a case) says: the borrower's first name,
    the amount and date due, the reference."""
    account = case.account if case is not None else account
    assert account is not None
    return message_values_many([account], agent=agent, at=at)[account.pk]


def message_values_many(accounts: list[LoanAccount], *, agent: User | None, at: dt.datetime) -> dict[int, dict[str, str]]:
    """``message_values`` of each of these accounts (read with their borrowers), by account id: one query
    for their open installments."""
    open_installments: dict[int, list[tuple[dt.date, Decimal]]] = {}
    rows = (
        Installment.objects.filter(loan__in=[a.pk for a in accounts], settled_on__isnull=True)
        .annotate(
            left=F("principal_due") + F("interest_due") + F("fee_due") + F("penalty_due")
            - F("principal_paid") - F("interest_paid") - F("fee_paid") - F("penalty_paid")
        )
        .values_list("loan_id", "due_date", "left")
    )
    for loan_id, due_date, left in rows:
        open_installments.setdefault(loan_id, []).append((due_date, left))
    agent_first_name = getattr(agent, "first_name", "") or getattr(agent, "username", "")
    out = {}
    for account in accounts:
        borrower = account.borrower
        installments = open_installments.get(account.pk, [])
        first_due = min((due_date for due_date, _left in installments), default=None)
        due = account.overdue_amount
        if not due and first_due is not None:  # before the due date: what the next installment asks
            due = sum((left for due_date, left in installments if due_date == first_due), Decimal(0)) or due
        first_name = borrower.name.split()[0] if borrower.name.split() else ""
        if borrower.language.lower().startswith("zh") and borrower.name:
            first_name = borrower.name  # Chinese names are written whole
        out[account.pk] = {
            "first_name": first_name,
            "amount_due": f"{account.currency} {due:,.2f}",
            "due_date": first_due.isoformat() if first_due else at.date().isoformat(),
            "payment_reference": account.external_id,
            "agent_first_name": agent_first_name,
        }
    return out


def _check_address(*, account: LoanAccount, channel: str, phone: Phone | None, email: EmailAddress | None) -> None:
    borrower_id = account.borrower_id
    if channel == MessageTemplate.Channel.SMS and (phone is None or phone.borrower_id != borrower_id):
        raise DomainError(_("A text goes to one of the borrower's phones."), errors={"phone_id": [_("Not this borrower's.")]})
    if channel == MessageTemplate.Channel.EMAIL and (email is None or email.borrower_id != borrower_id):
        raise DomainError(
            _("An e-mail goes to one of the borrower's addresses."), errors={"email_id": [_("Not this borrower's.")]}
        )


def message_preview(
    *, case: Case, template_code: str, agent: User | None, at: dt.datetime | None = None
) -> tuple[MessageTemplate, str, str]:
    """The template in the borrower's language and its text for this case: (template, subject, body)."""
    at = at or timezone.now()
    template = template_for(code=template_code, language=case.account.borrower.language)
    rendered = template_render(template, message_values(case=case, agent=agent, at=at))
    return template, rendered.subject, rendered.body


def message_check(
    *, case: Case | None, template_code: str, phone: Phone | None = None, email: EmailAddress | None = None,
    at: dt.datetime | None = None, source: str = ContactAttempt.Source.AGENT, account: LoanAccount | None = None,
) -> Decision:  # fmt: skip
    """The engine's decision on such a message now, read-only (what the agent's panel shows); ``account``
    instead of a case for an account that has none."""
    at = at or timezone.now()
    account = case.account if case is not None else account
    assert account is not None
    template = template_for(code=template_code, language=account.borrower.language)
    _check_address(account=account, channel=template.channel, phone=phone, email=email)
    return evaluate(phone=phone, channel=template.channel, at=at, source=source, account=account, email=email)


def _template_checked(
    *, account: LoanAccount, template_code: str, channel: str | None, phone: Phone | None, email: EmailAddress | None,
    known: dict[tuple[str, str], MessageTemplate] | None = None,
) -> MessageTemplate:  # fmt: skip
    """The template of a message about ``account`` in its borrower's language, checked against the channel
    asked and the address given (``known``: the templates already looked up, by code and language)."""
    key = (template_code, account.borrower.language)
    template = known.get(key) if known is not None else None
    if template is None:
        template = template_for(code=template_code, language=account.borrower.language)
        if known is not None:
            known[key] = template
    if template.channel not in SENDABLE_CHANNELS:
        raise DomainError(_("This template is not a message."), errors={"template": [_("Not SMS or e-mail.")]})
    if channel is not None and channel != template.channel:
        raise DomainError(
            _("The template is for %(channel)s.") % {"channel": template.channel},
            errors={"channel": [_("Does not match the template.")]},
        )
    _check_address(account=account, channel=template.channel, phone=phone, email=email)
    return template


def _message_new(
    *, case: Case | None, account: LoanAccount, template: MessageTemplate, values: dict[str, str],
    phone: Phone | None, email: EmailAddress | None, decision: Decision, attempt: ContactAttempt | None,
    agent: User | None, source: str, idempotency_key: str | None, at: dt.datetime,
) -> Message:  # fmt: skip
    """The message a decision recorded, not yet saved: queued with its attempt, or refused."""
    rendered = template_render(template, values)
    return Message(
        case=case,
        account_id=account.pk,
        attempt=attempt,
        template=template,
        channel=template.channel,
        phone=phone if template.channel == MessageTemplate.Channel.SMS else None,
        email=email if template.channel == MessageTemplate.Channel.EMAIL else None,
        language=template.language,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        status=Message.Status.QUEUED if attempt is not None else Message.Status.REFUSED,
        decision=decision.as_json(),
        agent=agent if agent is not None and agent.is_authenticated else None,
        source=source,
        idempotency_key=idempotency_key or None,
        created_at=at,
    )


@transaction.atomic
def message_create(
    *,
    case: Case | None,
    template_code: str,
    account: LoanAccount | None = None,
    phone: Phone | None = None,
    email: EmailAddress | None = None,
    channel: str | None = None,
    agent: User | None = None,
    source: str = ContactAttempt.Source.AGENT,
    at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    defer: Callable[[Decision], bool] | None = None,
) -> MessageDecided:
    """Decide and record one message about ``case``; see the module's docstring. ``account`` instead of a
    case: a message about an account that has no case (a reminder before the due date).

    The caller has checked that the actor may work ``case``. Locks, through ``attempt_reserve``, the
    borrower's per-debt counter rows, so the caps per day and per 7 days hold under concurrent senders.
    """
    at = at or timezone.now()
    if idempotency_key:
        key_hold(f"message:{idempotency_key}")  # unique only per month in the database: a twin waits here
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _decided(existing, created=False)
    account = case.account if case is not None else account
    if account is None:
        raise DomainError(_("A message is about a case or an account."), errors={"case": [_("Required.")]})
    template = _template_checked(account=account, template_code=template_code, channel=channel, phone=phone, email=email)
    # The flags as committed now (an opt-out may have landed since the caller read the row).
    if phone is not None:
        phone = Phone.objects.select_related("borrower").get(pk=phone.pk)
    if email is not None:
        email = EmailAddress.objects.get(pk=email.pk)
    values = message_values(case=case, agent=agent, at=at, account=account)
    decision, attempt = attempt_reserve(
        phone=phone if template.channel == MessageTemplate.Channel.SMS else None,
        email=email if template.channel == MessageTemplate.Channel.EMAIL else None,
        channel=template.channel,
        at=at,
        source=source,
        agent=agent,
        case=case,
        account=account if case is None else None,
        ttl=MESSAGE_RESERVATION_TTL,
    )
    if attempt is None and defer is not None and defer(decision):
        raise MessageDeferred(decision)  # leaves this transaction: nothing of the refusal stays
    message = _message_new(
        case=case, account=account, template=template, values=values, phone=phone, email=email, decision=decision,
        attempt=attempt, agent=agent, source=source, idempotency_key=idempotency_key, at=at,
    )  # fmt: skip
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError as exc:  # a twin request with the same key committed first
        if idempotency_key and (twin := Message.objects.filter(idempotency_key=idempotency_key).first()):
            raise DomainError(
                _("A request with this key is being processed."), code=ErrorCode.CONFLICT, extra={"message_id": twin.pk}
            ) from exc
        raise
    return MessageDecided(message=message, decision=decision, created=True)


@dataclass(frozen=True)
class MessageAsk:
    """One message of ``messages_create_many``: about ``account`` (read with its borrower), for ``case``
    when it has one, to the borrower's ``phone`` or ``email`` (read in the caller's transaction)."""

    account: LoanAccount
    template_code: str
    case: Case | None = None
    phone: Phone | None = None
    email: EmailAddress | None = None
    idempotency_key: str | None = None
    defer: Callable[[Decision], bool] | None = None


def messages_create_many(
    asks: list[MessageAsk], *, at: dt.datetime, source: str = ContactAttempt.Source.DIALER
) -> list[MessageDecided | MessageDeferred]:
    """``message_create`` for many messages at once (no agent), in the caller's transaction, in the asks'
    order: what each would have given, one after another. A deferred ask (its ``defer``) gets its
    ``MessageDeferred`` and records nothing.

    The engine decides them all after one lock of every counter row of their borrowers
    (``attempts_reserve_many``); the messages are written with one insert. An ask whose key is used
    already gets that message. An ask's case must be about its account."""
    out: list[MessageDecided | MessageDeferred | None] = [None] * len(asks)
    keys = [ask.idempotency_key for ask in asks if ask.idempotency_key]
    keys_hold([f"message:{key}" for key in keys])  # as message_create: unique only per month in the database
    existing = {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=keys)} if keys else {}
    known: dict[tuple[str, str], MessageTemplate] = {}
    todo: list[tuple[int, MessageAsk, MessageTemplate]] = []
    for i, ask in enumerate(asks):
        if ask.idempotency_key and (found := existing.get(ask.idempotency_key)) is not None:
            out[i] = _decided(found, created=False)
            continue
        template = _template_checked(
            account=ask.account, template_code=ask.template_code, channel=None, phone=ask.phone, email=ask.email,
            known=known,
        )  # fmt: skip
        todo.append((i, ask, template))
    sms = MessageTemplate.Channel.SMS
    reserved = attempts_reserve_many(
        [
            ReservationAsk(
                account=ask.account, channel=template.channel, case_id=ask.case.pk if ask.case is not None else None,
                phone=ask.phone if template.channel == sms else None,
                email=ask.email if template.channel != sms else None,
            )  # fmt: skip
            for _i, ask, template in todo
        ],
        at=at, source=source, ttl=MESSAGE_RESERVATION_TTL,
    )  # fmt: skip
    values = message_values_many([ask.account for _i, ask, _t in todo], agent=None, at=at)
    created: list[tuple[int, Message, Decision]] = []
    for (i, ask, template), (decision, attempt) in zip(todo, reserved, strict=True):
        if attempt is None and ask.defer is not None and ask.defer(decision):
            out[i] = MessageDeferred(decision)
            continue
        message = _message_new(
            case=ask.case, account=ask.account, template=template, values=values[ask.account.pk], phone=ask.phone,
            email=ask.email, decision=decision, attempt=attempt, agent=None, source=source,
            idempotency_key=ask.idempotency_key, at=at,
        )  # fmt: skip
        created.append((i, message, decision))
    bulk_insert([message for _i, message, _d in created])
    for i, message, decision in created:
        out[i] = MessageDecided(message=message, decision=decision, created=True)
    return [decided for decided in out if decided is not None]


def _decided(message: Message, *, created: bool) -> MessageDecided:
    return MessageDecided(message=message, decision=decision_from_json(message.decision, policy=None), created=created)
