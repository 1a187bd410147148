"""The rules themselves: pure functions of the facts loaded once (no database access here).

``decide`` checks, in order, hard blocks, the time window in every zone, holidays, the borrower's
stated hours and the frequency caps, and returns every failing check. Each failing check also
says the earliest instant at which it alone could stop failing; ``next_allowed_at`` moves to the
latest of those, checks again, and repeats until everything passes (a fixed point), so it is the
true earliest instant at which the engine would say yes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any
from zoneinfo import ZoneInfo

from scheduling.engine.clock import day_start, local_date, window_state
from scheduling.engine.decision import Decision, Reason, ReasonCode, reason_message
from scheduling.engine.facts import (
    Failure,
    History,
    PhoneFacts,
    PreferenceFacts,
    RuleFacts,
    Subject,
)

# The search for next_allowed_at gives up (None) past these bounds.
MAX_ITERATIONS = 60
HORIZON = dt.timedelta(days=60)
WEEK_DAYS = 7

HARD_CODES_WITHOUT_END = frozenset(
    {
        ReasonCode.NO_DEBT,
        ReasonCode.ACCOUNT_CLOSED,
        ReasonCode.NO_POLICY,
        ReasonCode.CHANNEL_NOT_ALLOWED,
        ReasonCode.UNKNOWN_TIMEZONE,
        ReasonCode.DO_NOT_CALL,
        ReasonCode.NUMBER_UNCALLABLE,
        ReasonCode.THIRD_PARTY,
        ReasonCode.NO_AUTODIALER_CONSENT,
        ReasonCode.NO_WORK_CALLS,
        ReasonCode.CEASE,
        ReasonCode.DISPUTE,
        ReasonCode.COMPLAINT_OPEN,
        ReasonCode.ATTORNEY,
        ReasonCode.BANKRUPTCY,
        ReasonCode.DECEASED,
        ReasonCode.SMS_OPT_OUT,
        ReasonCode.NOT_A_MOBILE,
        ReasonCode.NO_SMS_CONSENT,
        ReasonCode.EMAIL_OPT_OUT,
        ReasonCode.EMAIL_NOT_PERMITTED,
        ReasonCode.NO_EMAIL_CONSENT,
    }
)
# Refusals that only say "not at this hour": the day's cap headroom still means something.
CLOCK_CODES = frozenset({ReasonCode.OUTSIDE_WINDOW, ReasonCode.PREFERENCE_HOURS})


def _hard_blocks(s: Subject, at: dt.datetime) -> list[Failure]:
    out: list[Failure] = []

    def never(code: str, **params: Any) -> None:
        out.append(Failure(code, params, None))

    if s.account_id is None:
        never(ReasonCode.NO_DEBT)
    elif s.account_status != "active":
        never(ReasonCode.ACCOUNT_CLOSED, status=s.account_status)
    if s.rule is None:
        if s.policy is None:
            never(ReasonCode.NO_POLICY)
        else:
            never(ReasonCode.CHANNEL_NOT_ALLOWED, policy=str(s.policy), channel=s.channel)
    if s.borrower_zone is None:
        never(ReasonCode.UNKNOWN_TIMEZONE)
    phone, pref = s.phone, s.preference
    if phone is not None and s.channel in ("call", "sms"):
        if phone.do_not_call:
            never(ReasonCode.DO_NOT_CALL)
        if phone.uncallable:
            never(ReasonCode.NUMBER_UNCALLABLE)
        if phone.owner == "third_party" and not phone.third_party_may_contact:
            never(ReasonCode.THIRD_PARTY)
        # A text's own consent stands in for the autodialer's (below).
        if s.channel == "call" and s.source == "dialer" and phone.type == "mobile" and not phone.autodialer_consent:
            never(ReasonCode.NO_AUTODIALER_CONSENT)
        if s.channel == "call" and phone.type == "work" and pref.no_work_calls:
            never(ReasonCode.NO_WORK_CALLS)
    if phone is not None and s.channel == "sms":
        if phone.sms_opted_out:
            never(ReasonCode.SMS_OPT_OUT)
        if phone.type != "mobile":
            never(ReasonCode.NOT_A_MOBILE)
        if s.rule is not None and s.rule.consent_required and not phone.sms_consent:
            never(ReasonCode.NO_SMS_CONSENT)
    email = s.email
    if email is not None and s.channel == "email":
        if email.opted_out:
            never(ReasonCode.EMAIL_OPT_OUT)
        if email.source not in ("borrower", "creditor_notice"):
            never(ReasonCode.EMAIL_NOT_PERMITTED)
        if s.rule is not None and s.rule.consent_required and not email.consent:
            never(ReasonCode.NO_EMAIL_CONSENT)
    if pref.cease:
        never(ReasonCode.CEASE)
    if s.account_id is not None and s.account_id in pref.dispute_accounts:
        never(ReasonCode.DISPUTE)
    if s.account_id is not None and s.account_id in pref.complaint_accounts:
        never(ReasonCode.COMPLAINT_OPEN)
    if s.attorney:
        never(ReasonCode.ATTORNEY)
    if s.bankruptcy:
        never(ReasonCode.BANKRUPTCY)
    if s.deceased:
        never(ReasonCode.DECEASED)
    if pref.breathing_space_until is not None and s.borrower_zone is not None:
        until = pref.breathing_space_until
        if local_date(s.borrower_zone, at) <= until:
            out.append(
                Failure(
                    ReasonCode.BREATHING_SPACE,
                    {"until": until.isoformat()},
                    day_start(s.borrower_zone, until + dt.timedelta(days=1)),
                )
            )
    held = _promise_hold(s, at)
    if held is not None:
        out.append(held)
    return out


def _promise_hold(s: Subject, at: dt.datetime) -> Failure | None:
    """No collection call before the open promise's date, except from an agreed follow-up's time on.
    It clears at the start of the promise's date or at the next agreed follow-up, whichever is first."""
    promise, rule, zone = s.promise, s.rule, s.borrower_zone
    if promise is None or rule is None or zone is None or not rule.promise_hold or s.channel != "call":
        return None
    if local_date(zone, at) >= promise.hold_until or any(when <= at for when in promise.follow_ups):
        return None
    clears = min([day_start(zone, promise.hold_until), *promise.follow_ups])
    return Failure(ReasonCode.PROMISE_HOLD, {"date": promise.hold_until.isoformat()}, clears)


def _first_day_after(day: dt.date, ok: Callable[[dt.date], bool]) -> dt.date | None:
    for offset in range(1, HORIZON.days + 1):
        candidate = day + dt.timedelta(days=offset)
        if ok(candidate):
            return candidate
    return None


def _week_count(counts: dict[dt.date, int], day: dt.date) -> int:
    """Attempts on ``day`` and the six days before it."""
    return sum(n for counted, n in counts.items() if 0 <= (day - counted).days < WEEK_DAYS) if counts else 0


def _under_cap(counts: dict[dt.date, int], cap: int) -> Callable[[dt.date], bool]:
    return lambda day: counts.get(day, 0) < cap


def _cooling_since(conversations: set[dt.date], day: dt.date, days: int) -> dt.date | None:
    """The latest conversation day whose cool-down covers ``day`` (conversation day = day 1)."""
    covering = [c for c in conversations if c <= day <= c + dt.timedelta(days=days - 1)]
    return max(covering) if covering else None


def _consent_active(s: Subject, rule: RuleFacts, at: dt.datetime) -> bool:
    given = s.preference.direct_consent_at
    if not (rule.prior_consent_excluded and s.channel == "call" and given is not None):
        return False
    return given <= at < given + dt.timedelta(days=rule.prior_consent_days)


def _local(zone: ZoneInfo, at: dt.datetime) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _failures(s: Subject, h: History, at: dt.datetime) -> list[Failure]:
    """Every check that refuses a contact at ``at``: the hard blocks alone if there is any, else the
    clock (windows, holidays, the borrower's hours), the frequency (weekly cap, cool-down) and the
    daily caps, in that order."""
    hard = _hard_blocks(s, at)
    if hard:
        return hard
    rule, zone = s.rule, s.borrower_zone
    assert rule is not None and zone is not None
    today = local_date(zone, at)
    holiday = s.holiday_name(today)
    return [
        *_clock_failures(s, rule, zone, at, today, holiday),
        *_frequency_failures(s, h, rule, zone, at, today),
        *_daily_cap_failures(s, h, rule, zone, today, holiday),
    ]


def _day_cleared(zone: ZoneInfo, day: dt.date | None) -> dt.datetime | None:
    return day_start(zone, day) if day is not None else None


def _clock_failures(
    s: Subject, rule: RuleFacts, zone: ZoneInfo, at: dt.datetime, today: dt.date, holiday: str | None
) -> list[Failure]:
    out: list[Failure] = []
    # The time window, in every zone.
    for name, window_zone in s.zones():
        inside, next_open, _ = window_state(window_zone, rule.windows, at)
        if not inside:
            out.append(
                Failure(
                    ReasonCode.OUTSIDE_WINDOW, {"zone": name, "local": _local(window_zone, at)}, next_open
                )
            )

    # Holidays of the borrower's calendar, on the borrower's local date.
    if holiday and rule.holiday_action == "block":
        out.append(
            Failure(
                ReasonCode.HOLIDAY,
                {"date": today.isoformat(), "name": holiday},
                day_start(zone, today + dt.timedelta(days=1)),
            )
        )

    # The borrower's stated hours.
    pref = s.preference
    if pref.only_after is not None or pref.only_before is not None:
        span = ((pref.only_after or 0, pref.only_before or 24 * 60),)
        inside, next_open, _ = window_state(zone, (span,) * 7, at)
        if not inside:
            out.append(
                Failure(
                    ReasonCode.PREFERENCE_HOURS,
                    {"hours": _hours_text(pref), "local": _local(zone, at)},
                    next_open,
                )
            )
    return out


def _frequency_failures(
    s: Subject, h: History, rule: RuleFacts, zone: ZoneInfo, at: dt.datetime, today: dt.date
) -> list[Failure]:
    """The weekly cap and the cool-down, which a direct prior consent in force lifts (and one given
    for later clears when it starts)."""
    if _consent_active(s, rule, at):
        return []
    pref = s.preference
    consent_later = (
        pref.direct_consent_at
        if rule.prior_consent_excluded
        and s.channel == "call"
        and pref.direct_consent_at is not None
        and pref.direct_consent_at > at
        else None
    )

    def or_consent(clears: dt.datetime | None) -> dt.datetime | None:
        if consent_later is None:
            return clears
        return consent_later if clears is None else min(clears, consent_later)

    out: list[Failure] = []
    weekly_cap = rule.weekly_debt_cap
    if weekly_cap is not None:
        count = _week_count(h.debt_counted, today)
        if count >= weekly_cap:
            day = _first_day_after(today, lambda d: _week_count(h.debt_counted, d) < weekly_cap)
            out.append(
                Failure(
                    ReasonCode.WEEKLY_CAP,
                    {"count": count, "cap": weekly_cap},
                    or_consent(_day_cleared(zone, day)),
                )
            )
    days = rule.cool_down_days
    if days > 0:
        since = _cooling_since(h.conversation_days, today, days)
        if since is not None:
            day = _first_day_after(today, lambda d: _cooling_since(h.conversation_days, d, days) is None)
            out.append(
                Failure(
                    ReasonCode.COOL_DOWN,
                    {"date": since.isoformat(), "until": (since + dt.timedelta(days=days)).isoformat()},
                    or_consent(_day_cleared(zone, day)),
                )
            )
    return out


def _daily_cap_failures(
    s: Subject, h: History, rule: RuleFacts, zone: ZoneInfo, today: dt.date, holiday: str | None
) -> list[Failure]:
    daily_caps: list[tuple[str, int | None, dict[dt.date, int]]] = [
        (ReasonCode.DAILY_CAP, rule.daily_debt_cap, h.debt_counted),
        (ReasonCode.DAILY_CONNECTED_CAP, rule.daily_borrower_connected_cap, h.borrower_connected),
    ]
    if s.phone is not None:
        daily_caps.append(
            (ReasonCode.DAILY_UNANSWERED_CAP, rule.daily_number_unanswered_cap, h.number_unanswered)
        )
    if holiday and rule.holiday_action == "reduce":
        daily_caps.append((ReasonCode.HOLIDAY_CAP, rule.holiday_daily_cap, h.debt_counted))
    out: list[Failure] = []
    for code, cap, counts in daily_caps:
        if cap is None or counts.get(today, 0) < cap:
            continue
        params: dict[str, Any] = {"count": counts.get(today, 0), "cap": cap}
        clears: dt.datetime | None
        if code == ReasonCode.HOLIDAY_CAP:
            # The next day is an ordinary day, or another holiday judged again there.
            clears = day_start(zone, today + dt.timedelta(days=1))
            params |= {"date": today.isoformat(), "name": holiday}
        else:
            clears = _day_cleared(zone, _first_day_after(today, _under_cap(counts, cap)))
        out.append(Failure(code, params, clears))
    return out


def _hours_text(pref: PreferenceFacts) -> str:
    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    if pref.only_after is not None and pref.only_before is not None:
        return f"{hhmm(pref.only_after)}-{hhmm(pref.only_before)}"
    if pref.only_after is not None:
        return f">= {hhmm(pref.only_after)}"
    assert pref.only_before is not None
    return f"< {hhmm(pref.only_before)}"


def next_allowed_at(s: Subject, h: History, at: dt.datetime, failures: list[Failure]) -> dt.datetime | None:
    """The earliest instant after ``at`` at which nothing fails, or None (a hard block, or beyond the horizon)."""
    moment = at
    for _ in range(MAX_ITERATIONS):
        if not failures:
            return moment
        if any(f.clears_at is None for f in failures):
            return None
        candidate = max(f.clears_at for f in failures if f.clears_at is not None)
        if candidate <= moment:  # never expected: each check clears strictly later
            candidate = moment + dt.timedelta(seconds=1)
        if candidate - at > HORIZON:
            return None
        moment = candidate
        failures = _failures(s, h, moment)
    return None


def _headroom(s: Subject, h: History, at: dt.datetime) -> tuple[int | None, int | None]:
    rule, zone = s.rule, s.borrower_zone
    if rule is None or zone is None:
        return None, None
    today = local_date(zone, at)
    week = (
        max(0, rule.weekly_debt_cap - _week_count(h.debt_counted, today))
        if rule.weekly_debt_cap is not None
        else None
    )
    limits = [
        (rule.daily_debt_cap, h.debt_counted),
        (rule.daily_borrower_connected_cap, h.borrower_connected),
        (rule.daily_number_unanswered_cap, h.number_unanswered if s.phone is not None else {}),
    ]
    if rule.holiday_action == "reduce" and s.holiday_name(today):
        limits.append((rule.holiday_daily_cap, h.debt_counted))
    left = [max(0, cap - counts.get(today, 0)) for cap, counts in limits if cap is not None]
    if week is not None and not _consent_active(s, rule, at):
        left.append(week)
    return (min(left) if left else None), week


def decide(s: Subject, h: History, at: dt.datetime) -> Decision:
    failures = _failures(s, h, at)
    today_left, week_left = _headroom(s, h, at)
    if any(f.code not in CLOCK_CODES for f in failures):
        today_left = 0
    closes_at = None
    if not failures:
        closings = [window_state(zone, s.rule.windows, at)[2] for _, zone in s.zones()] if s.rule else []
        pref = s.preference
        if s.borrower_zone is not None and (pref.only_after is not None or pref.only_before is not None):
            span = ((pref.only_after or 0, pref.only_before or 24 * 60),)
            closings.append(window_state(s.borrower_zone, (span,) * 7, at)[2])
        closes_at = min((c for c in closings if c is not None), default=None)
    return Decision(
        allowed=not failures,
        reasons=[Reason(f.code, reason_message(f.code, **f.params)) for f in failures],
        at=at,
        channel=s.channel,
        source=s.source,
        next_allowed_at=next_allowed_at(s, h, at, failures) if failures else None,
        attempts_left_today=today_left,
        attempts_left_week=week_left,
        window_closes_at=closes_at,
        policy=s.policy,
        direct_prior_consent=bool(s.rule and _consent_active(s, s.rule, at)),
        account_id=s.account_id,
        phone_id=s.phone.id if s.phone else None,
        zones=[name for name, _ in s.zones()] if s.borrower_zone is not None else [],
    )


def decision_key(s: Subject, h: History) -> Hashable:
    """Everything ``decide`` reads of a contact, as one hashable value: two contacts with equal keys
    get the same decision but for the account and phone ids it carries (``decide_many``).

    The ids are left out: the rules only ask whether there is a debt and whether a complaint or a
    dispute holds it, and the number's own id decides nothing. Whatever else a rule reads is a field of the
    subject, its phone, its preferences or the history, and every field is in the key, so a fact
    added to them is in it without more.
    """
    pref = s.preference
    held = None if s.account_id is None else (
        s.account_id in pref.complaint_accounts, s.account_id in pref.dispute_accounts
    )
    subject = tuple(getattr(s, name) for name in _SUBJECT_FIELDS)
    phone = tuple(getattr(s.phone, name) for name in _PHONE_FIELDS) if s.phone is not None else None
    preference = tuple(getattr(pref, name) for name in _PREFERENCE_FIELDS)
    history = tuple(
        tuple(sorted(value.items())) if isinstance(value, dict) else tuple(sorted(value))
        for value in (getattr(h, name) for name in _HISTORY_FIELDS)
    )
    return subject, held, phone, preference, history


def _names(cls: type, *leave_out: str) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in leave_out)


_SUBJECT_FIELDS = _names(Subject, "account_id", "phone", "preference")
_PHONE_FIELDS = _names(PhoneFacts, "id")
_PREFERENCE_FIELDS = _names(PreferenceFacts, "complaint_accounts", "dispute_accounts")
_HISTORY_FIELDS = _names(History)


def decide_many(
    contacts: list[tuple[Subject, History]],
    at: dt.datetime,
    decider: Callable[[Subject, History, dt.datetime], Decision] | None = None,
) -> list[Decision]:
    """``decide`` for each contact, once per group of equal deciding facts (``decision_key``): a
    batch of numbers at one instant shares a handful of policies, zones and flags. ``decider``: the
    caller's name for ``decide`` (the same function, looked up where the caller's tests watch it)."""
    decider = decider or decide
    decided: dict[Hashable, Decision] = {}
    out = []
    for subject, history in contacts:
        key = decision_key(subject, history)
        decision = decided.get(key)
        if decision is None:
            decision = decided[key] = decider(subject, history, at)
            out.append(decision)
            continue
        out.append(decision_for(decision, subject.account_id, subject.phone.id if subject.phone is not None else None))
    return out


def decision_for(decision: Decision, account_id: int | None, phone_id: int | None) -> Decision:
    """A group's decision (``decision_key``) as the decision of one contact of the group: its ids."""
    if decision.account_id == account_id and decision.phone_id == phone_id:
        return decision
    mine = object.__new__(Decision)  # copy.copy's work without its protocol (a list decides hundreds)
    mine.__dict__.update(decision.__dict__, account_id=account_id, phone_id=phone_id)
    return mine
