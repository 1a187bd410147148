"""Six months of collection work over the demo book, so that every dashboard has something to show.

The demo book (``accounts.demo``) has borrowers, loans, payments and the cases its replayed close of
business opened and closed; nobody ever called them. This writes what agents would have done: on
about a third of the working days of each case's life, one call in the borrower's own morning or
afternoon (09:00-17:59 local, Monday to Friday, inside every shipped window), with a realistic mix
of outcomes; and on a right-party promise, the promise the agent took, judged against the loan's
real payments by the same rule the nightly settlement uses (``promise_judge``), settled the day after
its deadline; on a hardship call, an extension negotiated under the SOP and decided the next day
(``demo.extensions``), and a few waiting for approval. Nothing is written for the last ``QUIET_DAYS`` days: the live engine's counters of
the current week stay exact, and today's dashboards fill from the demo's own use.

Bulk writes over the cases of a demo book (hundreds to a few thousand), not a path of the product:
it bypasses the engine on purpose, keeping to its windows and to one call per case per day.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import Payment, Phone
from collections_app.demo.extensions import Candidate, demo_extensions_seed
from collections_app.models import Agent, Case, ContactAttempt, DispositionCode, PromisePart, PromiseToPay
from collections_app.models.promises import PROMISE_POLICY_COMMON
from collections_app.services.promise_matching import credits_allocate, promise_judge

MONTHS = 6
QUIET_DAYS = 8
CALL_DAY_SHARE = 0.33
# Outcome mix of an agent's calls: no contact most of the time, a promise on about one in ten.
OUTCOMES = (
    ("no_answer", 44), ("voicemail", 14), ("busy", 8), ("third_party", 5), ("rpc_promise", 11),
    ("refused", 7), ("hardship", 4), ("callback", 4), ("paid_already", 3),
)  # fmt: skip
TALK = {"no_contact": (0, 0), "third_party": (20, 90), "right_party": (60, 540)}
BATCH = 2000


@dataclass(frozen=True)
class ActivitySeeded:
    cases: int
    attempts: int
    promises: int
    kept: int
    broken: int
    extensions: int
    seconds: float


def demo_activity_seed(*, today: dt.date, seed: int = 1, months: int = MONTHS) -> ActivitySeeded:
    """Write the calls and promises of the demo book's last ``months`` months (up to ``QUIET_DAYS``
    before ``today``). Same seed, same book: the same activity."""
    started = time.monotonic()
    rng = random.Random(seed)
    end = today - dt.timedelta(days=QUIET_DAYS)
    start = end - dt.timedelta(days=round(months * 30.4))
    codes = {d.code: d for d in DispositionCode.objects.filter(code__in=[code for code, _w in OUTCOMES])}
    outcomes = [code for code, _w in OUTCOMES if code in codes]
    weights = [w for code, w in OUTCOMES if code in codes]
    agents = _agents_by_bucket()
    users = dict(Agent.objects.values_list("pk", "user_id"))  # a call names the agent's login
    cases = list(
        Case.objects.filter(opened_on__lt=end)
        .exclude(closed_on__lt=start)
        .select_related("account__borrower")
        .order_by("pk")
    )
    phones = _first_phones({case.account.borrower_id for case in cases})
    payments = _payments({case.account_id for case in cases})

    attempts: list[ContactAttempt] = []
    promised: list[tuple[ContactAttempt, Case, int, dt.date]] = []
    hardship: list[Candidate] = []
    for case in cases:
        phone = phones.get(case.account.borrower_id)
        agent = case.agent_id or (rng.choice(agents[case.bucket]) if agents.get(case.bucket) else None)
        if phone is None or agent is None:
            continue
        zone = ZoneInfo(case.account.borrower.timezone or "UTC")
        last = min(case.closed_on or end, end)
        day = max(case.opened_on, start)
        while day < last:
            if day.weekday() < 5 and rng.random() < CALL_DAY_SHARE:
                code = rng.choices(outcomes, weights)[0]
                attempts.append(_attempt(case, phone, users[agent], codes[code], day, zone, rng))
                if code == "rpc_promise":
                    promised.append((attempts[-1], case, agent, day))
                elif code == "hardship":
                    hardship.append(Candidate(attempts[-1], case, users[agent]))
            day += dt.timedelta(days=1)
    ContactAttempt.objects.bulk_create(attempts, batch_size=BATCH)

    promises, parts = _promises(promised, payments, end, rng)
    PromiseToPay.objects.bulk_create(promises, batch_size=BATCH)
    for promise, part in zip(promises, parts, strict=True):
        part.promise = promise
    PromisePart.objects.bulk_create(parts, batch_size=BATCH)
    extensions = demo_extensions_seed(candidates=hardship, today=today, rng=rng)
    return ActivitySeeded(
        cases=len({a.case_id for a in attempts}),
        attempts=len(attempts),
        promises=len(promises),
        kept=sum(p.status == PromiseToPay.Status.KEPT for p in promises),
        broken=sum(p.status == PromiseToPay.Status.BROKEN for p in promises),
        extensions=extensions,
        seconds=time.monotonic() - started,
    )


def _agents_by_bucket() -> dict[str, list[int]]:
    serving: dict[str, list[int]] = defaultdict(list)
    for agent_id, bucket in Agent.objects.filter(status=Agent.Status.ACTIVE).values_list("pk", "team__buckets__code"):
        if bucket:
            serving[bucket].append(agent_id)
    return serving


def _first_phones(borrower_ids: set[int]) -> dict[int, int]:
    first: dict[int, int] = {}
    rows = Phone.objects.filter(borrower_id__in=borrower_ids).order_by("borrower_id", "pk").values_list("borrower_id", "pk")
    for borrower_id, phone_id in rows:
        first.setdefault(borrower_id, phone_id)
    return first


def _payments(loan_ids: set[int]) -> dict[int, list[tuple[dt.date, Decimal]]]:
    by_loan: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    rows = (
        Payment.objects.filter(loan_id__in=loan_ids, status=Payment.Status.POSTED)
        .order_by("loan_id", "value_date", "pk")
        .values_list("loan_id", "value_date", "amount")
    )
    for loan_id, value_date, amount in rows:
        by_loan[loan_id].append((value_date, amount))
    return by_loan


def _attempt(
    case: Case, phone: int, user: int, disposition: DispositionCode, day: dt.date, zone: ZoneInfo, rng: random.Random
) -> ContactAttempt:
    local = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=zone)
    placed = local.astimezone(dt.UTC)
    low, high = TALK[disposition.category]
    talk = rng.randint(low, high) if high else 0
    answered = placed + dt.timedelta(seconds=rng.randint(5, 25)) if talk else None
    return ContactAttempt(
        case=case, account_id=case.account_id, phone_id=phone, agent_id=user, placed_at=placed,
        answered_at=answered, ended_at=(answered or placed) + dt.timedelta(seconds=talk or rng.randint(15, 40)),
        talk_seconds=talk, disposition=disposition,
        right_party_contact=disposition.category == DispositionCode.Category.RIGHT_PARTY,
        conversation=disposition.conversation, status=ContactAttempt.Status.COMPLETED,
    )  # fmt: skip


def _promises(
    promised: list[tuple[ContactAttempt, Case, int, dt.date]],
    payments: dict[int, list[tuple[dt.date, Decimal]]],
    end: dt.date,
    rng: random.Random,
) -> tuple[list[PromiseToPay], list[PromisePart]]:
    """One promise per right-party promise call, unless the case's last one is still running; each
    judged on the loan's payments the day after its deadline. None is left open."""
    grace = int(PROMISE_POLICY_COMMON["grace_days"])
    threshold = Decimal(PROMISE_POLICY_COMMON["kept_threshold"])
    promises: list[PromiseToPay] = []
    parts: list[PromisePart] = []
    running_until: dict[int, dt.date] = {}
    for attempt, case, agent, day in promised:
        if running_until.get(case.pk, dt.date.min) >= day:
            continue
        due = day + dt.timedelta(days=rng.randint(3, 10))
        deadline = due + dt.timedelta(days=grace)
        if deadline >= end:
            continue
        loan_payments = payments.get(case.account_id, [])
        coming = [amount for value_date, amount in loan_payments if day <= value_date <= deadline]
        # Most promises are of what the borrower then paid; the others of an amount never received.
        amount = coming[0] if coming and rng.random() < 0.75 else Decimal(rng.randrange(50, 400, 10))
        promise = PromiseToPay(
            case=case, account_id=case.account_id, agent_id=agent, attempt=attempt,
            source=PromiseToPay.Source.AGENT, made_on=day, amount=amount, first_date=due, final_date=due,
            deadline=deadline, grace_days=grace, kept_threshold=threshold, received_amount=Decimal("0.00"),
        )  # fmt: skip
        part = PromisePart(seq=1, due_date=due, amount=amount, deadline=deadline)
        credits = credits_allocate([promise], loan_payments)[promise.pk]
        promise_judge(promise, [part], credits, today=deadline + dt.timedelta(days=1))
        running_until[case.pk] = deadline
        promises.append(promise)
        parts.append(part)
    return promises, parts
