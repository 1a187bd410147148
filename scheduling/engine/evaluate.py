"""The read side of the engine: ``evaluate`` one contact, ``evaluate_many`` a batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from accounts.models import EmailAddress, LoanAccount, Phone
from collections_app.models import ContactAttempt
from config.errors import DomainError
from config.instants import instant_problem
from scheduling.engine.decision import Decision
from scheduling.engine.loading import Target, accounts_for_borrowers, subjects_load
from scheduling.engine.rules import decide, decide_many

SOURCES = (ContactAttempt.Source.AGENT, ContactAttempt.Source.DIALER)
PHONE_CHANNELS = (ContactAttempt.Channel.CALL, ContactAttempt.Channel.SMS)


def _check_arguments(*, channel: str, source: str, at: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if channel not in ContactAttempt.Channel.values:
        errors["channel"] = [_("Unknown channel %(channel)r.") % {"channel": channel}]
    if source not in SOURCES:
        errors["source"] = [_("Unknown source %(source)r.") % {"source": source}]
    problem = instant_problem(at)  # naive, or outside the range the engine's clock can reason about
    if problem:
        errors["at"] = [problem]
    if errors:
        raise DomainError(_("The compliance question is malformed."), errors=errors)


def evaluate(
    *,
    phone: Phone | None,
    channel: str = ContactAttempt.Channel.CALL,
    at: dt.datetime,
    source: str = ContactAttempt.Source.AGENT,
    account: LoanAccount | None = None,
    email: EmailAddress | None = None,
) -> Decision:
    """May we contact this number (or, for email, this address or this account's borrower) at ``at``?
    Read-only.

    ``account`` is the debt the contact is about; when omitted it is the borrower's active account
    with an open case (then the most overdue). An e-mail ``email`` is checked for its opt-out, its
    provenance and consent. About six queries, whatever the history.
    """
    target = evaluation_target(phone=phone, channel=channel, at=at, source=source, account=account, email=email)
    [(subject, history)] = subjects_load([target], at=at, channel=channel, source=source)
    return decide(subject, history, at)


def evaluation_target(
    *,
    phone: Phone | None,
    channel: str,
    at: dt.datetime,
    source: str,
    account: LoanAccount | None = None,
    email: EmailAddress | None = None,
) -> Target:
    """``evaluate``'s question checked and resolved to the borrower, the debt and the number or
    address (no query when the phone comes with its borrower and the debt is given)."""
    _check_arguments(channel=channel, source=source, at=at)
    if email is not None:
        if account is None:
            account = accounts_for_borrowers([email.borrower_id]).get(email.borrower_id)
        if account is None or account.borrower_id != email.borrower_id:
            raise DomainError(
                _("The e-mail address does not belong to the account's borrower."),
                errors={"email": [_("Not this borrower's.")]},
            )
    if phone is None and (account is None or channel in PHONE_CHANNELS):
        raise DomainError(
            _("Which number? A call or an SMS needs a phone."), errors={"phone": [_("Required.")]}
        )
    if phone is not None and not Phone.borrower.is_cached(phone):  # type: ignore[attr-defined]
        phone = Phone.objects.select_related("borrower").get(pk=phone.pk)
    if phone is not None and account is not None and account.borrower_id != phone.borrower_id:
        raise DomainError(
            _("The phone does not belong to the account's borrower."),
            errors={"phone": [_("Not this borrower's.")]},
        )
    borrower = phone.borrower if phone is not None else account.borrower  # type: ignore[union-attr]
    if account is None:
        account = accounts_for_borrowers([borrower.pk]).get(borrower.pk)
    return Target(borrower=borrower, account=account, phone=phone, email=email)


def evaluate_many(
    phones: Iterable[Phone],
    *,
    at: dt.datetime,
    channel: str = ContactAttempt.Channel.CALL,
    source: str = ContactAttempt.Source.DIALER,
    accounts: Mapping[int, LoanAccount] | None = None,
    quiet: bool = False,
) -> dict[int, Decision]:
    """Decide a batch of numbers at one instant, keyed by phone id, in a constant number of queries.

    ``accounts`` maps a phone id to the debt its contact is about (a queue knows its cases);
    phones without an entry get their borrower's default account as in ``evaluate``. ``quiet``: the
    caller has read that none of the borrowers has contact preferences or an attempt since
    ``history_since`` of every rule by a channel of ``history_channels`` but those not dialed, and
    none of the debts an open promise: no query for them.
    """
    _check_arguments(channel=channel, source=source, at=at)
    phones = list(phones)
    ids = [phone.pk for phone in phones]
    if not ids:
        return {}
    if all(Phone.borrower.is_cached(phone) for phone in phones):  # type: ignore[attr-defined]
        loaded = {phone.pk: phone for phone in phones}  # the caller read them with their borrowers
    else:
        loaded = Phone.objects.select_related("borrower").in_bulk(ids)
    given = dict(accounts or {})
    missing = {loaded[pk].borrower_id for pk in ids if pk in loaded and pk not in given}
    defaults = accounts_for_borrowers(missing) if missing else {}
    targets = [
        Target(
            borrower=loaded[pk].borrower,
            account=given.get(pk) or defaults.get(loaded[pk].borrower_id),
            phone=loaded[pk],
        )
        for pk in dict.fromkeys(ids)
        if pk in loaded
    ]
    subjects = subjects_load(targets, at=at, channel=channel, source=source, quiet=quiet)
    return {
        target.phone.pk: decision
        for target, decision in zip(targets, decide_many(subjects, at), strict=True)
        if target.phone is not None
    }


def evaluate_targets(targets: list[Target], *, at: dt.datetime, channel: str, source: str) -> list[Decision]:
    """Decide these contacts at one instant, in their order, in a constant number of queries: each
    target is one ``evaluate`` already resolved (the borrower, the debt, and the phone or address of
    that borrower), decided once per group of equal deciding facts. A caller reserving them (the
    plan's messages) asks after taking the debts' locks, so the facts hold what earlier holders
    committed."""
    _check_arguments(channel=channel, source=source, at=at)
    if not targets:
        return []
    return decide_many(subjects_load(targets, at=at, channel=channel, source=source), at, decider=decide)
