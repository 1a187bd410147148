"""Loading the facts the rules need, for one contact or a batch, in a constant number of queries.

Per batch: the accounts of the borrowers (when not given), their contact preferences, the policy
assignments, the policies in force, their channel rules, and one aggregate query that counts the
recent attempts per account, phone, channel and local day of the borrower. The counts are grouped
in SQL (``TruncDate`` in each borrower's zone); Python only adds up those grouped rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import holidays
from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import Count, DateField, Exists, Min, OuterRef, Q, Subquery, When
from django.db.models.functions import TruncDate

from accounts.models import Borrower, EmailAddress, LoanAccount, Phone
from collections_app.models import Case, ContactAttempt, PromisePart, PromiseToPay
from scheduling.engine.clock import UTC, zone_or_none
from scheduling.engine.facts import (
    EmailFacts,
    History,
    PhoneFacts,
    PreferenceFacts,
    PromiseFacts,
    RuleFacts,
    Subject,
)
from scheduling.engine.policies import policies_snapshot
from scheduling.engine.rules import WEEK_DAYS
from scheduling.models import Callback, ChannelRule, ContactPolicy, ContactPreference, PolicyAssignment


@dataclass(frozen=True)
class Target:
    """One contact to decide: the borrower, the debt it is about and the number (if any)."""

    borrower: Borrower
    account: LoanAccount | None
    phone: Phone | None
    email: EmailAddress | None = None


def accounts_for_borrowers(borrower_ids: Iterable[int]) -> dict[int, LoanAccount]:
    """The debt a contact with each borrower is about when the caller does not say (``account_default``)."""
    open_case = Case.objects.filter(account=OuterRef("pk"), status=Case.Status.OPEN)
    accounts = LoanAccount.objects.filter(borrower_id__in=set(borrower_ids)).annotate(has_open_case=Exists(open_case))
    by_borrower: dict[int, list[tuple[LoanAccount, bool]]] = {}
    for account in accounts:
        by_borrower.setdefault(account.borrower_id, []).append((account, account.has_open_case))  # type: ignore[attr-defined]
    return {borrower_id: account_default(rows) for borrower_id, rows in by_borrower.items()}


def account_default(accounts: Iterable[tuple[LoanAccount, bool]]) -> LoanAccount:
    """Of one borrower's accounts, each with whether it has an open case: an active account with an
    open case first, then the most days past due, then the oldest."""

    def rank(item: tuple[LoanAccount, bool]) -> tuple[int, int, int, int]:
        account, has_open_case = item
        return (0 if account.status == LoanAccount.Status.ACTIVE else 1, 0 if has_open_case else 1, -account.dpd, account.pk)

    return min(accounts, key=rank)[0]


@lru_cache(maxsize=1)
def _supported_subdivisions() -> dict[str, frozenset[str]]:
    return {country: frozenset(subdivs) for country, subdivs in holidays.list_supported_countries().items()}


@lru_cache(maxsize=512)
def _holiday_calendar(country: str, subdivision: str, year: int) -> dict[dt.date, str]:
    if country not in _supported_subdivisions():
        return {}
    return dict(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class HolidayLookup:
    """The holiday name of a local date in one calendar, or None; equal for equal calendars (a
    decision's facts compare and hash, ``rules.decision_key``)."""

    country: str
    subdivision: str

    def __call__(self, day: dt.date) -> str | None:
        return _holiday_calendar(self.country, self.subdivision, day.year).get(day)


def holiday_lookup(policy: ContactPolicy | None, borrower: Borrower) -> Callable[[dt.date], str | None]:
    """The holiday name of a local date in the policy's calendar (or the borrower's), or None."""
    country = ((policy.holiday_country if policy else "") or borrower.country).upper()
    subdivision = policy.holiday_subdivision if policy and policy.holiday_subdivision else ""
    if not subdivision and borrower.region in _supported_subdivisions().get(country, frozenset()):
        subdivision = borrower.region
    return HolidayLookup(country, subdivision)


def _policy_name(assignments: list[PolicyAssignment], country: str, product: str) -> str | None:
    """Most specific match: country and product, then country, then product, then the default."""
    best: tuple[int, str] | None = None
    for row in assignments:
        if row.country not in ("", country) or row.product not in ("", product):
            continue
        rank = (2 if row.country else 0) + (1 if row.product else 0)
        if best is None or rank > best[0]:
            best = (rank, row.policy_name)
    return best[1] if best else None


def _minutes(value: dt.time | None) -> int | None:
    return value.hour * 60 + value.minute if value is not None else None


def _preference_facts(pref: ContactPreference | None) -> PreferenceFacts:
    if pref is None:
        return PreferenceFacts()
    return PreferenceFacts(
        cease=pref.cease_communication,
        no_work_calls=pref.no_work_calls,
        only_after=_minutes(pref.only_after),
        only_before=_minutes(pref.only_before),
        breathing_space_until=pref.breathing_space_until,
        direct_consent_at=pref.direct_consent_at,
        complaint_accounts=frozenset(pref.complaint_hold_accounts or ()),
        dispute_accounts=frozenset(pref.dispute_hold_accounts or ()),
    )


def _phone_facts(phone: Phone) -> PhoneFacts:
    return PhoneFacts(
        id=phone.pk,
        type=phone.type,
        owner=phone.owner,
        third_party_may_contact=phone.third_party_may_contact,
        autodialer_consent=phone.autodialer_consent,
        do_not_call=phone.do_not_call,
        uncallable=phone.uncallable,
        zone_names=tuple(phone.timezone_list),
        sms_consent=phone.sms_consent,
        sms_opted_out=phone.sms_opted_out,
    )


def _email_facts(email: EmailAddress | None) -> EmailFacts | None:
    if email is None:
        return None
    return EmailFacts(id=email.pk, source=email.source, consent=email.consent, opted_out=email.opted_out)


# The same aggregate as the ORM query below, as PostgreSQL SQL: every dial authorization runs it,
# and building the ORM query cost more than running it. The engine's tests run both (SQLite, CI).
# The borrowers' accounts first, so that the attempts are read through their (account, time) index.
_HISTORY_SQL = """
    SELECT a.account_id, l.borrower_id, a.phone_id, a.channel,
           CAST(a.placed_at AT TIME ZONE b.timezone AS date) AS day,
           COUNT(*) FILTER (WHERE a.direction = 'outbound' AND NOT a.direct_prior_consent
                            AND NOT COALESCE(d.not_connected, false)) AS counted,
           COUNT(*) FILTER (WHERE a.direction = 'outbound'
                            AND (a.answered_at IS NOT NULL OR a.status = 'reserved')) AS connected,
           COUNT(*) FILTER (WHERE a.direction = 'outbound' AND a.answered_at IS NULL) AS unanswered,
           COUNT(*) FILTER (WHERE a.conversation) AS conversations
    FROM collections_app_contactattempt a
    JOIN accounts_loanaccount l ON l.id = a.account_id
    JOIN accounts_borrower b ON b.id = l.borrower_id
    LEFT JOIN collections_app_dispositioncode d ON d.id = a.disposition_id
    WHERE a.account_id = ANY(ARRAY(SELECT id FROM accounts_loanaccount WHERE borrower_id = ANY(%s)))
      AND a.placed_at >= %s AND a.status <> 'not_dialed'
    GROUP BY a.account_id, l.borrower_id, a.phone_id, a.channel, day"""
_HISTORY_KEYS = (
    "account_id", "account__borrower_id", "phone_id", "channel", "day", "counted", "connected", "unanswered",
    "conversations",
)  # fmt: skip


def _history_rows(zone_by_borrower: dict[int, str], since: dt.datetime) -> list[dict[str, Any]]:
    """One aggregate query: attempt counts per account, phone, channel and borrower-local day."""
    if not zone_by_borrower:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_HISTORY_SQL, [list(zone_by_borrower), since])
            return [dict(zip(_HISTORY_KEYS, row, strict=True)) for row in cursor.fetchall()]
    zones = sorted(set(zone_by_borrower.values()))
    day: Any
    if len(zones) == 1:
        day = TruncDate("placed_at", tzinfo=zone_or_none(zones[0]))
    else:
        day = SqlCase(
            *(
                When(account__borrower__timezone=name, then=TruncDate("placed_at", tzinfo=zone_or_none(name)))
                for name in zones
            ),
            default=TruncDate("placed_at", tzinfo=UTC),
            output_field=DateField(),
        )
    outbound = Q(direction=ContactAttempt.Direction.OUTBOUND)
    rows = (
        ContactAttempt.objects.filter(account__borrower_id__in=list(zone_by_borrower), placed_at__gte=since)
        .exclude(status=ContactAttempt.Status.NOT_DIALED)
        .annotate(day=day)
        .order_by()
        .values("account_id", "account__borrower_id", "phone_id", "channel", "day")
        .annotate(
            # 12 CFR 1006.14(b): an outbound call counts when placed, answered or not, unless it was
            # made with direct prior consent or did not connect to the dialed number.
            counted=Count(
                "pk", filter=outbound & Q(direct_prior_consent=False) & ~Q(disposition__not_connected=True)
            ),
            # A reservation not yet reported may still connect: it counts as connected and as unanswered.
            connected=Count(
                "pk",
                filter=outbound & (Q(answered_at__isnull=False) | Q(status=ContactAttempt.Status.RESERVED)),
            ),
            unanswered=Count("pk", filter=outbound & Q(answered_at__isnull=True)),
            # Either direction: an inbound conversation starts the cool-down too.
            conversations=Count("pk", filter=Q(conversation=True)),
        )
    )
    return cast(list[dict[str, Any]], list(rows))


def history_channels(channel: str) -> frozenset[str]:
    """The channels whose attempts can change a decision on ``channel`` (``_history`` reads no
    other): its own, and calls, whose conversations start every channel's cool-down. The channel
    rules name no other channel (no cap across channels), so a text cannot change a call's decision.
    Attempts not dialed are not read either (``_history_rows``)."""
    return frozenset({channel, ContactAttempt.Channel.CALL})


def _history(rows: list[dict[str, Any]], target: Target, channel: str) -> History:
    """The counts one target's rules look at, from its borrower's grouped rows (of the channels of
    ``history_channels`` only: the others' rows change nothing)."""
    history = History()
    account_id = target.account.pk if target.account else None
    phone_id = target.phone.pk if target.phone else None
    for row in rows:
        day = row["day"]
        same_channel = row["channel"] == channel
        if row["account_id"] == account_id:
            if same_channel and row["counted"]:
                history.debt_counted[day] = history.debt_counted.get(day, 0) + row["counted"]
            if row["channel"] == ContactAttempt.Channel.CALL and row["conversations"]:
                history.conversation_days.add(day)
        if same_channel and row["connected"]:
            history.borrower_connected[day] = history.borrower_connected.get(day, 0) + row["connected"]
        if same_channel and phone_id is not None and row["phone_id"] == phone_id and row["unanswered"]:
            history.number_unanswered[day] = history.number_unanswered.get(day, 0) + row["unanswered"]
    return history


def promises_held(account_ids: Iterable[int]) -> dict[int, PromiseFacts]:
    """The open promise of each debt that has one, with its hold date and agreed follow-ups: one
    query, and one more when a promise has follow-up callbacks (``promise_facts`` says how).
    """
    ids = set(account_ids)
    if not ids:
        return {}
    open_parts = (
        PromisePart.objects.filter(promise=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
        .order_by()
        .values("promise")
        .annotate(first=Min("due_date"))
        .values("first")
    )
    rows = (
        PromiseToPay.objects.filter(account_id__in=ids, status=PromiseToPay.Status.OPEN)
        .annotate(
            hold_until=Subquery(open_parts[:1], output_field=DateField()),
            has_callback=Exists(Callback.objects.filter(promise=OuterRef("pk"), reason=Callback.Reason.PROMISE)),
        )
        .filter(hold_until__isnull=False)
        .values_list("pk", "account_id", "hold_until", "follow_up_at", "has_callback")
    )
    promises = list(rows)
    with_callbacks = {pk for pk, _a, _h, _f, has_callback in promises if has_callback}
    pending: dict[int, list[dt.datetime]] = {}
    if with_callbacks:
        for promise_id, due_at in Callback.objects.filter(
            promise_id__in=with_callbacks, reason=Callback.Reason.PROMISE, status=Callback.Status.PENDING
        ).values_list("promise_id", "due_at"):
            pending.setdefault(promise_id, []).append(due_at)
    return promise_facts(promises, pending)


def promise_facts(
    promises: Iterable[tuple[int, int, dt.date, dt.datetime | None, bool]], pending: dict[int, list[dt.datetime]]
) -> dict[int, PromiseFacts]:
    """The facts of each debt's open promise, from its rows ``(id, account id, hold date, own follow-up
    time, has follow-up callbacks)`` in the promises' order (the last one of a debt stands) and the
    pending follow-up callbacks of each promise.

    The hold date is the earliest open part's date. The agreed follow-ups are the pending callbacks
    the promise scheduled; while the promise has no such callback at all (it is being recorded),
    its own follow-up time stands for it.
    """
    out: dict[int, PromiseFacts] = {}
    for pk, account_id, hold_until, follow_up_at, has_callback in promises:
        if has_callback:
            follow_ups = tuple(sorted(pending.get(pk, [])))
        else:
            follow_ups = (follow_up_at,) if follow_up_at is not None else ()
        out[account_id] = PromiseFacts(hold_until=hold_until, follow_ups=follow_ups)
    return out


@dataclass(frozen=True)
class Plan:
    """What a batch of decisions needs before any query: the policy and channel rule of each target
    (from the policy snapshot), how far back the history goes, and which debts' promises matter."""

    targets: list[Target]
    at: dt.datetime
    channel: str
    source: str
    names: list[str | None]
    by_name: dict[str, ContactPolicy]
    rules: dict[int, ChannelRule]
    since: dt.datetime
    zone_by_borrower: dict[int, str]
    promise_accounts: frozenset[int]

    @property
    def borrower_ids(self) -> set[int]:
        return {t.borrower.pk for t in self.targets}


def history_since(at: dt.datetime, rules: Iterable[ChannelRule]) -> dt.datetime:
    """How far back the attempt history of a batch under these channel rules is read: the week of
    the weekly cap or the longest cool-down, and two days for the zones' local dates."""
    lookback = max([WEEK_DAYS, *(r.cool_down_days for r in rules)])
    return at - dt.timedelta(days=lookback + 2)


def subjects_plan(targets: list[Target], *, at: dt.datetime, channel: str, source: str) -> Plan:
    policies = policies_snapshot()
    # Per target: the product is the debt's, and one borrower's debts may differ.
    names = [
        _policy_name(policies.assignments, t.borrower.country, t.account.product if t.account else "")
        for t in targets
    ]
    by_name: dict[str, ContactPolicy] = {}
    for name in {n for n in names if n}:
        version = policies.in_force(name, at)
        if version is not None:
            by_name[name] = version
    rules = {
        policy.pk: rule
        for policy in by_name.values()
        if (rule := policies.rules.get((policy.pk, channel))) is not None
    }
    zone_by_borrower = {
        t.borrower.pk: t.borrower.timezone for t in targets if zone_or_none(t.borrower.timezone)
    }
    promise_accounts = (
        frozenset(t.account.pk for t in targets if t.account is not None)
        if channel == ContactAttempt.Channel.CALL and any(r.promise_hold for r in rules.values())
        else frozenset()
    )
    return Plan(
        targets=targets,
        at=at,
        channel=channel,
        source=source,
        names=names,
        by_name=by_name,
        rules=rules,
        since=history_since(at, rules.values()),
        zone_by_borrower=zone_by_borrower,
        promise_accounts=promise_accounts,
    )


def subjects_load(
    targets: list[Target], *, at: dt.datetime, channel: str, source: str, quiet: bool = False
) -> list[tuple[Subject, History]]:
    """The facts of every target, with a constant number of queries whatever their number (none when
    the caller knows there are no preferences, history or promises to read: ``evaluate_many``)."""
    plan = subjects_plan(targets, at=at, channel=channel, source=source)
    if quiet:
        return subjects_assemble(plan, preferences={}, history_rows=[], promises={})
    preferences = {p.borrower_id: p for p in ContactPreference.objects.filter(borrower_id__in=plan.borrower_ids)}
    return subjects_assemble(
        plan,
        preferences=preferences,
        history_rows=_history_rows(plan.zone_by_borrower, plan.since),
        promises=promises_held(plan.promise_accounts) if plan.promise_accounts else {},
    )


def subjects_assemble(
    plan: Plan,
    *,
    preferences: dict[int, ContactPreference],
    history_rows: list[dict[str, Any]],
    promises: dict[int, PromiseFacts],
) -> list[tuple[Subject, History]]:
    """The subjects and histories of a plan's targets from what was read for them (no query)."""
    channel, source = plan.channel, plan.source
    rows_by_borrower: dict[int, list[dict[str, Any]]] = {}
    for row in history_rows:
        rows_by_borrower.setdefault(row["account__borrower_id"], []).append(row)
    loaded = []
    rule_facts = {pk: RuleFacts.of(rule) for pk, rule in plan.rules.items()}  # parsed once per batch
    for target, policy_name in zip(plan.targets, plan.names, strict=True):
        borrower, account, phone = target.borrower, target.account, target.phone
        policy = plan.by_name.get(policy_name) if policy_name else None
        rule = rule_facts.get(policy.pk) if policy else None
        phone_facts = _phone_facts(phone) if phone is not None and channel != "email" else None
        phone_zones = tuple(
            (zone_name, zone)
            for zone_name in (phone_facts.zone_names if phone_facts else ())
            if (zone := zone_or_none(zone_name)) is not None
        )
        subject = Subject(
            channel=channel,
            source=source,
            account_id=account.pk if account else None,
            account_status=account.status if account else None,
            borrower_zone_name=borrower.timezone,
            borrower_zone=zone_or_none(borrower.timezone),
            deceased=borrower.deceased,
            bankruptcy=borrower.bankruptcy,
            attorney=borrower.attorney_represented,
            phone=phone_facts,
            phone_zones=phone_zones,
            preference=_preference_facts(preferences.get(borrower.pk)),
            policy=policy,
            rule=rule,
            holiday_name=holiday_lookup(policy, borrower),
            email=_email_facts(target.email) if channel == "email" else None,
            promise=promises.get(account.pk) if account is not None else None,
        )
        loaded.append((subject, _history(rows_by_borrower.get(borrower.pk, []), target, channel)))
    return loaded
