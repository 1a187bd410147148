"""The contact attempt's one home: every write of an attempt, for every channel and every source.

An attempt is one contact with a borrower (a call today; an SMS, an e-mail or a visit through the
same door): the agent screen (``services.calls``), the dialer's single and batch endpoints
(``services.dialer``, ``services.dialer_batch``) and any later channel reserve, release, expire
and complete attempts here and nowhere else.

- ``attempt_reserve`` is the only way an outbound attempt comes to exist. The compliance engine
  (``scheduling.engine.evaluate``) decides; this records, in one transaction that holds the
  borrower's per-debt counter rows (``SELECT ... FOR UPDATE``), so two dialers asking at once for
  the last attempt left get one yes and one no. It relies on READ COMMITTED (PostgreSQL's
  default): after the lock is granted, the counting query sees the attempt the previous holder
  committed. A channel that keeps more than the attempt (a message's body and provider status)
  writes its own row next to the attempt, in the caller's transaction. Many reservations at once
  (the plan's messages): ``attempts_many.attempts_reserve_many``, the same lock and engine for a batch.
- ``attempt_release`` gives back a reservation that was not used (``attempts_release_many``: many at
  once); ``attempts_expire`` marks the stale ones (they keep counting).
- ``attempt_outcome_set`` holds the rules of completing an attempt on a row the caller holds
  locked; ``attempt_complete`` locks, applies them and saves (``attempts_complete_many``: many
  attempts with no more than an end, as the batch sender's messages). The side effects of a call's
  disposition are ``services.calls``'s.
- ``attempt_record_refused``: an attempt a dialer placed against the engine's refusal, recorded
  all the same (a result is never lost) and audited as a compliance exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, F, Model, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EmailAddress, LoanAccount, Phone
from accounts.services.audit import audit_record
from collections_app.models import Case, ContactAttempt, DispositionCode
from config import roundtrips
from config.errors import DomainError, ErrorCode
from config.partitions import key_hold
from scheduling.engine import (
    Decision,
    account_default,
    decision_from_json,
    evaluate,
    evaluation_target,
    facts_statements,
    reservation_decide,
    subjects_plan,
)
from scheduling.models import DebtContactCounter

RESERVATION_TTL = dt.timedelta(minutes=2)
RELEASABLE = (ContactAttempt.Status.RESERVED, ContactAttempt.Status.EXPIRED)


# After an account's columns (``l``): whether its counter row exists, its open case (``BorrowerAccount``).
BORROWER_ACCOUNT_COLUMNS = f"""{roundtrips.columns(LoanAccount, "l")},
    EXISTS (SELECT 1 FROM scheduling_debtcontactcounter c WHERE c.account_id = l.id),
    (SELECT k.id FROM collections_app_case k WHERE k.account_id = l.id AND k.status = 'open' LIMIT 1)"""
_ACCOUNTS_SQL = f"SELECT {BORROWER_ACCOUNT_COLUMNS} FROM accounts_loanaccount l WHERE l.borrower_id = %s ORDER BY l.id"
# The counter rows of a reservation, locked in one statement: the missing ones are created (ours
# until we commit: a concurrent first caller waits on the key, then finds and locks it), the others
# locked as a conflict is (PostgreSQL locks every conflicting row before judging the ``WHERE``, here
# false: no row version is written). In id order, as every taker of these locks.
_LOCK_SQL = """
    INSERT INTO scheduling_debtcontactcounter AS c (account_id, reservations)
    SELECT id, 0 FROM unnest(%s::bigint[]) AS id ORDER BY id
    ON CONFLICT (account_id) DO UPDATE SET reservations = c.reservations WHERE false"""
_BUMP_SQL = """UPDATE scheduling_debtcontactcounter SET reservations = reservations + 1, last_reserved_at = %s
               WHERE account_id = %s"""


@dataclass(frozen=True)
class BorrowerAccount:
    """One of the borrower's accounts as a reservation needs it: the account, whether its counter
    row exists, its open case."""

    account: LoanAccount
    has_counter: bool
    open_case_id: int | None


def borrower_account_from_row(row: tuple[object, ...], start: int) -> BorrowerAccount | None:
    """The ``BorrowerAccount`` read with ``BORROWER_ACCOUNT_COLUMNS`` from ``row[start:]`` (None: no account)."""
    account = roundtrips.instance(LoanAccount, row, start)
    if account is None:
        return None
    end = start + roundtrips.width(LoanAccount)
    return BorrowerAccount(account, bool(row[end]), row[end + 1])  # type: ignore[arg-type]


def _borrower_accounts(borrower_id: int) -> list[BorrowerAccount]:
    if connection.vendor == "postgresql":  # asked on every reservation: plain SQL, no ORM query to build
        with roundtrips.prepared_cursor() as cursor:
            cursor.execute(_ACCOUNTS_SQL, [borrower_id])
            return [a for row in cursor.fetchall() if (a := borrower_account_from_row(row, 0)) is not None]
    counter = DebtContactCounter.objects.filter(account_id=OuterRef("pk"))
    open_case = Case.objects.filter(account_id=OuterRef("pk"), status=Case.Status.OPEN).values("pk")[:1]
    return [
        BorrowerAccount(account, account.has_counter, account.open_case_id)  # type: ignore[attr-defined]
        for account in LoanAccount.objects.filter(borrower_id=borrower_id)
        .annotate(has_counter=Exists(counter), open_case_id=Subquery(open_case))
        .order_by("pk")
    ]


def _counters_ensure(accounts: list[BorrowerAccount]) -> None:
    """Create the missing counter rows. The insert ignores conflicts, so concurrent first callers do
    not fail; it happens before the lock is taken."""
    missing = [DebtContactCounter(account_id=a.account.pk) for a in accounts if not a.has_counter]
    if missing:
        DebtContactCounter.objects.bulk_create(missing, ignore_conflicts=True)


Companion = Callable[[ContactAttempt], Model]


def attempt_reserve(
    *,
    phone: Phone | None,
    channel: str = ContactAttempt.Channel.CALL,
    at: dt.datetime | None = None,
    source: str = ContactAttempt.Source.AGENT,
    agent: User | None = None,
    case: Case | None = None,
    account: LoanAccount | None = None,
    external_id: str | None = None,
    ttl: dt.timedelta = RESERVATION_TTL,
    email: EmailAddress | None = None,
    accounts: list[BorrowerAccount] | None = None,
    companion: Companion | None = None,
) -> tuple[Decision, ContactAttempt | None]:
    """Ask the engine about a contact and, when allowed, record it as a reserved attempt; one transaction.

    Locks the counter rows of every account of the borrower (in id order), so the per-debt caps
    and the per-borrower and per-number daily caps hold under concurrency. Returns the decision
    and the attempt (None when refused). The reservation counts as an attempt until ``release``
    says it was not dialed. With an ``external_id`` already known, returns that attempt and the
    decision stored with it (idempotent).

    ``accounts``: the borrower's accounts when the caller read them already (``BorrowerAccount``).
    ``companion``: a row the attempt comes with (a dial authorization), made from the attempt and
    written with it. On PostgreSQL a call or a text reserved for a phone takes three round trips
    after the reads before the lock: the lock with the engine's facts, the decision in Python, the
    writes in one statement with the commit (``_reserve_in_trips``).
    """
    at = at or timezone.now()
    if case is not None:
        if account is not None and account.pk != case.account_id:
            raise DomainError(
                _("The case is about another account."), errors={"case": [_("Not this account's.")]}
            )
        account = case.account
    if phone is not None and not Phone.borrower.is_cached(phone):  # type: ignore[attr-defined]
        phone = Phone.objects.select_related("borrower").get(pk=phone.pk)
    if phone is None and account is None and email is not None:
        account = LoanAccount.objects.filter(borrower_id=email.borrower_id).order_by("pk").first()
    if phone is None and account is None:
        raise DomainError(_("A phone or an account is required."), errors={"phone": [_("Required.")]})
    borrower_id = phone.borrower_id if phone is not None else account.borrower_id  # type: ignore[union-attr]
    if accounts is None:
        accounts = _borrower_accounts(borrower_id)
    if phone is not None and email is None and not external_id and roundtrips.available():
        if account is None and accounts:
            account = account_default((a.account, a.open_case_id is not None) for a in accounts)
        return _reserve_in_trips(
            phone=phone, channel=channel, at=at, source=source, agent=agent, case=case, account=account,
            ttl=ttl, accounts=accounts, companion=companion,
        )  # fmt: skip
    _counters_ensure(accounts)
    open_cases = {a.account.pk: a.open_case_id for a in accounts}

    # No savepoint inside the caller's transaction: nothing here is retried on error.
    with transaction.atomic(savepoint=False):
        if external_id:
            key_hold(f"attempt:{external_id}")  # unique only per month in the database: a twin waits here
        list(
            DebtContactCounter.objects.select_for_update()
            .filter(pk__in=sorted(open_cases))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if external_id:
            # A retry (or a twin request that waited for the lock): answer as the first time.
            existing = ContactAttempt.objects.select_related("policy").filter(external_id=external_id).first()
            if existing is not None:
                return decision_from_json(existing.decision, policy=existing.policy), existing
        decision = evaluate(phone=phone, channel=channel, at=at, source=source, account=account, email=email)
        if not decision.allowed or decision.account_id is None:
            return decision, None
        attempt = attempt_new(
            decision, case=case, open_cases=open_cases, phone=phone, channel=channel, source=source,
            agent=agent, at=at, external_id=external_id, ttl=ttl,
        )  # fmt: skip
        attempt.save(force_insert=True)
        DebtContactCounter.objects.filter(pk=decision.account_id).update(
            reservations=F("reservations") + 1, last_reserved_at=at
        )
        if companion is not None:
            companion(attempt).save(force_insert=True)
    return decision, attempt


def attempt_new(
    decision: Decision,
    *,
    case: Case | None,
    open_cases: dict[int, int | None],
    phone: Phone | None,
    channel: str,
    source: str,
    agent: User | None,
    at: dt.datetime,
    external_id: str | None,
    ttl: dt.timedelta,
) -> ContactAttempt:
    """The attempt a decision allowed, not yet saved: what every reservation records."""
    assert decision.account_id is not None
    return ContactAttempt(
        case_id=case.pk if case is not None else open_cases.get(decision.account_id),
        account_id=decision.account_id,
        phone=phone,
        channel=channel,
        source=source,
        direction=ContactAttempt.Direction.OUTBOUND,
        agent=agent,
        placed_at=at,
        status=ContactAttempt.Status.RESERVED,
        decision=decision.as_json(),
        policy=decision.policy,
        policy_version=decision.policy.version if decision.policy else None,
        direct_prior_consent=decision.direct_prior_consent,
        external_id=external_id or None,
        expires_at=at + ttl,
    )


def _reserve_in_trips(
    *,
    phone: Phone,
    channel: str,
    at: dt.datetime,
    source: str,
    agent: User | None,
    case: Case | None,
    account: LoanAccount | None,
    ttl: dt.timedelta,
    accounts: list[BorrowerAccount],
    companion: Companion | None,
) -> tuple[Decision, ContactAttempt | None]:
    """``attempt_reserve`` on PostgreSQL. Trip 1: the counter rows locked (the missing ones created
    by the same statement, ``_LOCK_SQL``), then the engine's facts (``facts_statements``: read after the lock is granted, so they hold what the
    previous holder committed). Trip 2: the attempt, the counter's bump and the companion in one
    statement, and the commit (a refusal commits only the counter rows)."""
    target = evaluation_target(phone=phone, channel=channel, at=at, source=source, account=account)
    plan = subjects_plan([target], at=at, channel=channel, source=source)
    open_cases = {a.account.pk: a.open_case_id for a in accounts}
    with roundtrips.trips() as trips:
        trips.add(_LOCK_SQL, [sorted(open_cases)], rows=False)
        for sql, params in facts_statements(plan):
            trips.add(sql, params)
        facts = trips.trip()
        decision = reservation_decide(plan, facts)
        if not decision.allowed or decision.account_id is None:
            trips.trip(commit=True)
            return decision, None
        attempt = attempt_new(
            decision, case=case, open_cases=open_cases, phone=phone, channel=channel, source=source,
            agent=agent, at=at, external_id=None, ttl=ttl,
        )  # fmt: skip
        other = companion(attempt) if companion is not None else None
        insert, params = roundtrips.insert_sql(attempt)
        sql = f"WITH attempt AS ({insert} RETURNING id), bump AS ({_BUMP_SQL})"
        params += [at, decision.account_id]
        if other is not None:
            fk = next(f for f in other._meta.concrete_fields if f.related_model is ContactAttempt)
            other_insert, other_params = roundtrips.insert_sql(
                other, expressions={fk.attname: "(SELECT id FROM attempt)"}
            )
            sql += f", other AS ({other_insert})"
            params += other_params
        trips.add(sql + " SELECT id FROM attempt", params)
        [[(attempt_id,)]] = trips.trip(commit=True)
    attempt.pk = attempt_id
    attempt._state.adding, attempt._state.db = False, connection.alias
    if other is not None:
        setattr(other, fk.name, attempt)  # the id and the object
        other._state.adding, other._state.db = False, connection.alias
    return decision, attempt


@transaction.atomic
def attempt_release(attempt: ContactAttempt, *, outcome: str = ContactAttempt.Status.NOT_DIALED) -> ContactAttempt:
    """Give back a reservation that was not dialed: it stops counting. Idempotent.

    Refused for an attempt already reported as completed (it was dialed).
    """
    if outcome != ContactAttempt.Status.NOT_DIALED:
        raise DomainError(
            _("A reservation can only be released as not dialed."), errors={"outcome": [_("Use not_dialed.")]}
        )
    released = ContactAttempt.objects.filter(pk=attempt.pk, status__in=RELEASABLE).update(
        status=ContactAttempt.Status.NOT_DIALED, updated_at=timezone.now()
    )
    attempt.refresh_from_db()
    if not released and attempt.status != ContactAttempt.Status.NOT_DIALED:
        raise DomainError(
            _("This attempt was already reported; it cannot be released."),
            code=ErrorCode.ATTEMPT_REPORTED,
        )
    return attempt


def attempts_release_many(attempt_ids: list[int]) -> int:
    """Give back these reservations (the ones still reserved or expired): they stop counting. Idempotent."""
    if not attempt_ids:
        return 0
    return ContactAttempt.objects.filter(pk__in=attempt_ids, status__in=RELEASABLE).update(
        status=ContactAttempt.Status.NOT_DIALED, updated_at=timezone.now()
    )


def attempts_expire(*, now: dt.datetime | None = None) -> int:
    """Mark reservations past their expiry as expired (they still count: they may have been dialed)."""
    return ContactAttempt.objects.filter(
        status=ContactAttempt.Status.RESERVED, expires_at__lt=now or timezone.now()
    ).update(status=ContactAttempt.Status.EXPIRED, updated_at=timezone.now())


@dataclass(frozen=True)
class AttemptOutcome:
    """How an attempt went: what a completed attempt records beside its reservation."""

    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    talk_seconds: int = 0
    conversation: bool = False
    right_party_contact: bool = False
    disposition: DispositionCode | None = None
    notes: str = ""
    recording_ref: str = ""


def attempt_outcome_set(locked: ContactAttempt, outcome: AttemptOutcome) -> ContactAttempt:
    """The rules of completing an attempt, on a row the caller holds locked: set its fields in memory,
    or raise ``DomainError`` and change nothing. ``attempt_complete`` saves the result; a batch of
    dialer events saves many at once."""
    errors: dict[str, list[str]] = {}
    if locked.status not in RELEASABLE:
        raise DomainError(
            _("Only a reserved attempt can be completed (this one is %(status)s).")
            % {"status": locked.status},
            code=ErrorCode.ATTEMPT_NOT_RESERVED,
        )
    conversation = outcome.conversation or (outcome.disposition is not None and outcome.disposition.conversation)
    answered_at, ended_at = outcome.answered_at, outcome.ended_at
    if answered_at is not None and answered_at < locked.placed_at:
        errors["answered_at"] = [_("A call is answered after it is placed.")]
    if ended_at is not None and ended_at < (answered_at or locked.placed_at):
        errors["ended_at"] = [_("A call ends after it is placed and answered.")]
    if conversation and answered_at is None and locked.channel == ContactAttempt.Channel.CALL:
        errors["conversation"] = [_("A conversation needs an answered call.")]
    if outcome.talk_seconds < 0:
        errors["talk_seconds"] = [_("Talk time cannot be negative.")]
    if errors:
        raise DomainError(_("The call outcome is not consistent."), errors=errors)
    locked.status = ContactAttempt.Status.COMPLETED
    locked.answered_at = answered_at
    locked.ended_at = ended_at
    locked.talk_seconds = outcome.talk_seconds
    locked.conversation = conversation
    locked.right_party_contact = outcome.right_party_contact
    locked.disposition = outcome.disposition
    locked.notes = outcome.notes
    locked.recording_ref = outcome.recording_ref
    return locked


@transaction.atomic
def attempt_complete(*, attempt: ContactAttempt, outcome: AttemptOutcome) -> ContactAttempt:
    """Record how a reserved (or expired) attempt went. Refuses what cannot be true; writes nothing then.

    Only the attempt's own fields: the side effects a disposition's flags call for (do-not-call,
    dispute hold, cease...) belong to the call-logging service, which calls this first. Locks the
    attempt row.
    """
    locked = ContactAttempt.objects.select_for_update().get(pk=attempt.pk)
    attempt_outcome_set(locked, outcome)
    locked.save()
    return locked


def attempts_complete_many(attempt_ids: list[int], *, ended_at: dt.datetime) -> int:
    """Complete these reserved (or expired) attempts as contacts that ended at ``ended_at`` (a message
    handed to its provider: no answer, no talk, no disposition), or at their ``placed_at`` when that is
    later, in one ``UPDATE`` (which takes their row locks); attempts no longer reserved are left as
    they are. ``attempt_outcome_set``'s rules, which such an outcome always meets. Returns how many
    were completed."""
    if not attempt_ids:
        return 0
    return ContactAttempt.objects.filter(pk__in=attempt_ids, status__in=RELEASABLE).update(
        status=ContactAttempt.Status.COMPLETED,
        answered_at=None,
        ended_at=Greatest(Value(ended_at), F("placed_at")),
        talk_seconds=0,
        conversation=False,
        right_party_contact=False,
        disposition=None,
        updated_at=timezone.now(),
    )


def attempt_record_refused(
    *,
    phone: Phone,
    case: Case | None,
    decision: Decision,
    agent: User | None,
    at: dt.datetime,
    external_id: str,
) -> ContactAttempt:
    """A call the dialer placed although the engine says no: recorded all the same (a result is never
    lost), with the refusal as its decision, and audited as a compliance exception."""
    if decision.account_id is None:
        raise DomainError(
            _("This number has no debt to collect: the call cannot be recorded."), code=ErrorCode.NO_DEBT
        )
    attempt = ContactAttempt.objects.create(
        case=case or Case.objects.filter(account_id=decision.account_id, status=Case.Status.OPEN).first(),
        account_id=decision.account_id,
        phone=phone,
        channel=ContactAttempt.Channel.CALL,
        source=ContactAttempt.Source.DIALER,
        direction=ContactAttempt.Direction.OUTBOUND,
        agent=agent,
        placed_at=at,
        status=ContactAttempt.Status.RESERVED,
        decision=decision.as_json(),
        policy=decision.policy,
        policy_version=decision.policy.version if decision.policy else None,
        external_id=external_id,
        expires_at=at,
    )
    audit_record(
        action="dialer.call_not_allowed",
        obj=attempt,
        after={"reasons": decision.codes, "external_id": external_id},
        reason="dialed without the engine's consent",
    )
    return attempt
