"""Many reservations at once: ``attempt_reserve``'s work for a batch of contacts (the plan's messages).

``attempts_reserve_many`` takes, in the caller's transaction, the counter rows of every account of
the batch's borrowers in one statement (in account id order, as every reservation takes them, so
two batches, or a batch and a dialer, wait for each other and never deadlock), then asks the engine
about all the contacts at once (``evaluate_targets``: the facts are read after the lock is granted,
so under READ COMMITTED they hold what the previous holder committed, and the caps per day and per
7 days hold under concurrent dispatchers as for calls), and records the allowed ones with one insert
of attempts and one update of their counters.

Contacts with one borrower are decided one after another, in the batch's order: the batch goes in
rounds of at most one contact per borrower, each round deciding after the previous one's attempts
were written, so the second text to a debt sees the first as ``attempt_reserve`` would. Borrowers
do not share counters, so one round decides exactly what one-by-one reserving in the batch's order
would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery

from accounts.models import EmailAddress, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt
from collections_app.services.attempts import attempt_new
from config.roundtrips import bulk_insert
from scheduling.engine import Decision, Target, evaluate_targets
from scheduling.models import DebtContactCounter


@dataclass(frozen=True)
class ReservationAsk:
    """One contact of a batch: about ``account`` (read with its borrower), on ``channel``, to the
    borrower's ``phone`` or ``email``; ``case_id``: the case it is about (default: the account's open
    case)."""

    account: LoanAccount
    channel: str
    phone: Phone | None = None
    email: EmailAddress | None = None
    case_id: int | None = None


def _counters_lock(borrower_ids: set[int]) -> dict[int, int | None]:
    """Create the missing counter rows of the borrowers' accounts, then lock all of them in one
    statement, both in account id order (two dispatchers run at once: an insert waits on the other's
    uncommitted row of a shared account, so any other order could deadlock); the open case of each
    account, by account id."""
    counter = DebtContactCounter.objects.filter(account_id=OuterRef("pk"))
    open_case = Case.objects.filter(account_id=OuterRef("pk"), status=Case.Status.OPEN).values("pk")[:1]
    accounts = list(
        LoanAccount.objects.filter(borrower_id__in=borrower_ids)
        .annotate(has_counter=Exists(counter), open_case_id=Subquery(open_case))
        .values_list("pk", "has_counter", "open_case_id")
        .order_by("pk")
    )
    missing = [DebtContactCounter(account_id=pk) for pk, has_counter, _case in accounts if not has_counter]
    if missing:
        DebtContactCounter.objects.bulk_create(missing, ignore_conflicts=True)
    list(
        DebtContactCounter.objects.select_for_update()
        .filter(pk__in=sorted(pk for pk, _c, _k in accounts))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {pk: case_id for pk, _has_counter, case_id in accounts}


def _rounds(asks: list[ReservationAsk]) -> list[list[int]]:
    """The asks' indexes in rounds of at most one per borrower, each borrower's in the batch's order."""
    rounds: list[list[int]] = []
    depth: dict[int, int] = {}
    for i, ask in enumerate(asks):
        n = depth.get(ask.account.borrower_id, 0)
        depth[ask.account.borrower_id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(i)
    return rounds


def attempts_reserve_many(
    asks: list[ReservationAsk], *, at: dt.datetime, source: str, ttl: dt.timedelta
) -> list[tuple[Decision, ContactAttempt | None]]:
    """Decide and reserve these contacts; see the module's docstring. Returns, in the asks' order, each
    one's decision and its reserved attempt (None when refused). Runs in the caller's transaction,
    which holds the counter rows' locks until it ends."""
    out: list[tuple[Decision, ContactAttempt | None] | None] = [None] * len(asks)
    if not asks:
        return []
    with transaction.atomic(savepoint=False):
        open_cases = _counters_lock({ask.account.borrower_id for ask in asks})
        for batch in _rounds(asks):
            attempts: list[ContactAttempt] = []
            for channel in sorted({asks[i].channel for i in batch}):
                mine = [i for i in batch if asks[i].channel == channel]
                targets = [
                    Target(borrower=asks[i].account.borrower, account=asks[i].account, phone=asks[i].phone,
                           email=asks[i].email)
                    for i in mine
                ]  # fmt: skip
                decisions = evaluate_targets(targets, at=at, channel=channel, source=source)
                for i, decision in zip(mine, decisions, strict=True):
                    attempt = None
                    if decision.allowed and decision.account_id is not None:
                        case_id = asks[i].case_id or open_cases.get(decision.account_id)
                        attempt = attempt_new(
                            decision, case=None, open_cases={decision.account_id: case_id}, phone=asks[i].phone,
                            channel=channel, source=source, agent=None, at=at, external_id=None, ttl=ttl,
                        )  # fmt: skip
                        attempts.append(attempt)
                    out[i] = (decision, attempt)
            if attempts:
                bulk_insert(attempts)
                DebtContactCounter.objects.filter(pk__in=[a.account_id for a in attempts]).update(
                    reservations=F("reservations") + 1, last_reserved_at=at
                )
    return [decided for decided in out if decided is not None]
