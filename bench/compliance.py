"""An independent check of every contact attempt the benchmark run allowed, against the rules.

It does not call the engine: it restates DESIGN.md section 5 over the attempts as stored (the
policy and channel rule each attempt was allowed under, the borrower's and the phone's zones, the
flags) and counts what breaks a rule: outside the window in any zone the address and the number
imply, on a blocked holiday, over a cap (per debt in 7 days, per debt a day, connected calls per
borrower a day, unanswered per number a day), within the cool-down after a conversation, or to a
number or borrower that must not be called.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import psycopg
from psycopg.rows import dict_row

from bench.book import Book, db_url

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ATTEMPTS = """
    SELECT a.id, a.account_id, a.phone_id, a.placed_at, a.answered_at, a.status, a.direct_prior_consent,
           COALESCE(d.not_connected, false) AS not_connected,
           p.timezones, p.do_not_call, p.uncallable, p.owner, p.third_party_may_contact,
           b.id AS borrower_id, b.timezone, b.country, b.region, b.deceased, b.bankruptcy, b.attorney_represented,
           COALESCE(pref.cease_communication, false) AS cease,
           COALESCE(pref.dispute_hold_accounts @> to_jsonb(a.account_id), false) AS dispute,
           r.windows, r.all_zones_in_window, r.holiday_action, r.weekly_debt_cap, r.daily_debt_cap,
           r.daily_borrower_connected_cap, r.daily_number_unanswered_cap, r.cool_down_days
    FROM collections_app_contactattempt a
    JOIN accounts_loanaccount l ON l.id = a.account_id
    JOIN accounts_borrower b ON b.id = l.borrower_id
    JOIN accounts_phone p ON p.id = a.phone_id
    LEFT JOIN collections_app_dispositioncode d ON d.id = a.disposition_id
    LEFT JOIN scheduling_contactpreference pref ON pref.borrower_id = b.id
    LEFT JOIN scheduling_channelrule r ON r.policy_id = a.policy_id AND r.channel = 'call'
    WHERE a.placed_at >= %(since)s AND a.status <> 'not_dialed' AND a.direction = 'outbound'
      AND a.channel = 'call'
    ORDER BY a.placed_at, a.id"""


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _in_window(windows: dict[str, list[list[str]]], local: dt.datetime) -> bool:
    minute = local.hour * 60 + local.minute
    return any(
        _minutes(start) <= minute < _minutes(end) for start, end in windows.get(WEEKDAYS[local.weekday()], [])
    )


def violations_find(book: Book, *, since: dt.datetime) -> dict[str, Any]:
    with psycopg.connect(db_url(book.database), row_factory=dict_row) as conn:
        attempts = conn.execute(ATTEMPTS, {"since": since}).fetchall()
        conversations = conn.execute(
            """SELECT account_id, placed_at FROM collections_app_contactattempt
               WHERE conversation AND placed_at >= %(since)s - interval '8 days'""",
            {"since": since},
        ).fetchall()
    found: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    debt_times: dict[int, list[dt.datetime]] = defaultdict(list)
    per_debt_day: Counter[tuple[int, dt.date]] = Counter()
    connected: Counter[tuple[int, dt.date]] = Counter()
    unanswered: Counter[tuple[int, dt.date]] = Counter()
    talked: dict[int, list[dt.datetime]] = defaultdict(list)
    for row in conversations:
        talked[row["account_id"]].append(row["placed_at"])
    calendars: dict[tuple[str, str, int], Any] = {}

    def breach(rule: str, row: dict[str, Any]) -> None:
        found[rule] += 1
        if len(examples) < 10:
            examples.append({"rule": rule, "attempt_id": row["id"], "placed_at": row["placed_at"].isoformat()})

    for row in attempts:
        at = row["placed_at"]
        if row["windows"] is None:
            breach("no_policy", row)
            continue
        home = ZoneInfo(row["timezone"])
        local_day = at.astimezone(home).date()
        zones = [z for z in (row["timezones"] or "").split(",") if z]
        zones = [*zones, row["timezone"]] if row["all_zones_in_window"] else (zones or [row["timezone"]])
        if not all(_in_window(row["windows"], at.astimezone(ZoneInfo(zone))) for zone in set(zones)):
            breach("outside_window", row)
        if row["do_not_call"] or row["uncallable"]:
            breach("number_blocked", row)
        if row["cease"] or row["dispute"] or row["deceased"] or row["bankruptcy"] or row["attorney_represented"]:
            breach("borrower_blocked", row)
        if row["owner"] != "borrower" and not row["third_party_may_contact"]:
            breach("third_party", row)
        if row["holiday_action"] == "block":
            key = (row["country"], row["region"] or "", local_day.year)
            if key not in calendars:
                try:
                    calendars[key] = holidays.country_holidays(key[0], subdiv=key[1] or None, years=key[2])
                except NotImplementedError:
                    calendars[key] = holidays.country_holidays(key[0], years=key[2])
            if local_day in calendars[key]:
                breach("holiday", row)
        counts = not row["direct_prior_consent"] and not row["not_connected"]
        if counts:
            times = debt_times[row["account_id"]]
            times.append(at)
            if row["weekly_debt_cap"] is not None and sum(1 for t in times if at - t < dt.timedelta(days=7)) > row["weekly_debt_cap"]:
                breach("weekly_debt_cap", row)
            per_debt_day[(row["account_id"], local_day)] += 1
            if row["daily_debt_cap"] is not None and per_debt_day[(row["account_id"], local_day)] > row["daily_debt_cap"]:
                breach("daily_debt_cap", row)
        if row["answered_at"] is not None:
            connected[(row["borrower_id"], local_day)] += 1
            cap = row["daily_borrower_connected_cap"]
            if cap is not None and connected[(row["borrower_id"], local_day)] > cap:
                breach("daily_borrower_connected_cap", row)
        else:
            unanswered[(row["phone_id"], local_day)] += 1
            cap = row["daily_number_unanswered_cap"]
            if cap is not None and unanswered[(row["phone_id"], local_day)] > cap:
                breach("daily_number_unanswered_cap", row)
        if row["cool_down_days"]:
            # Conversation day is day 1: no call on the following cool_down_days - 1 days.
            for when in talked.get(row["account_id"], []):
                first = when.astimezone(home).date()
                if when < at and first < local_day < first + dt.timedelta(days=row["cool_down_days"]):
                    breach("cool_down", row)
                    break
    return {
        "attempts_checked": len(attempts),
        "violations": sum(found.values()),
        "by_rule": dict(found),
        "examples": examples,
        "at": since.isoformat(timespec="seconds"),
    }


MESSAGES = """
    SELECT m.id, m.account_id, m.channel, m.sent_at, m.phone_id, m.email_id,
           p.timezones, p.type AS phone_type, p.owner, p.sms_consent, p.sms_opted_out_at,
           e.consent AS email_consent, e.opted_out_at AS email_opted_out_at,
           b.timezone, b.country, b.region, b.deceased, b.bankruptcy, b.attorney_represented,
           COALESCE(pref.cease_communication, false) AS cease,
           COALESCE(pref.dispute_hold_accounts @> to_jsonb(m.account_id), false) AS dispute,
           r.windows, r.all_zones_in_window, r.holiday_action, r.weekly_debt_cap, r.daily_debt_cap
    FROM collections_app_message m
    JOIN collections_app_contactattempt a ON a.id = m.attempt_id
    JOIN accounts_loanaccount l ON l.id = m.account_id
    JOIN accounts_borrower b ON b.id = l.borrower_id
    LEFT JOIN accounts_phone p ON p.id = m.phone_id
    LEFT JOIN accounts_emailaddress e ON e.id = m.email_id
    LEFT JOIN scheduling_contactpreference pref ON pref.borrower_id = b.id
    LEFT JOIN scheduling_channelrule r ON r.policy_id = a.policy_id AND r.channel = m.channel
    WHERE m.sent_at >= %(since)s
    ORDER BY m.sent_at, m.id"""


def message_violations_find(book: Book, *, since: dt.datetime) -> dict[str, Any]:
    """Every message handed to a provider since ``since``, against the channel's rules at the instant it
    was sent: the window in every zone, holidays, the caps per debt a day and in 7 days (of messages of
    the channel), consent (a text to the borrower's mobile that consents; an e-mail to an address that
    consents), not after the medium's opt-out, no borrower block. Per channel."""
    with psycopg.connect(db_url(book.database), row_factory=dict_row) as conn:
        rows = conn.execute(MESSAGES, {"since": since}).fetchall()
        earlier = conn.execute(
            """SELECT m.account_id, m.channel, m.sent_at FROM collections_app_message m
               WHERE m.sent_at >= %(since)s - interval '7 days' AND m.sent_at < %(since)s""",
            {"since": since},
        ).fetchall()
    found: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    times: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    for row in earlier:
        times[(row["account_id"], row["channel"])].append(row["sent_at"])
    calendars: dict[tuple[str, str, int], Any] = {}

    def breach(rule: str, row: dict[str, Any]) -> None:
        found[f"{row['channel']}:{rule}"] += 1
        if len(examples) < 10:
            examples.append({"rule": rule, "message_id": row["id"], "sent_at": row["sent_at"].isoformat()})

    for row in rows:
        at, channel = row["sent_at"], row["channel"]
        checked[channel] += 1
        if row["windows"] is None:
            breach("no_policy", row)
            continue
        home = ZoneInfo(row["timezone"])
        local_day = at.astimezone(home).date()
        zones = [z for z in (row["timezones"] or "").split(",") if z] if channel == "sms" else []
        zones = [*zones, row["timezone"]] if row["all_zones_in_window"] else (zones or [row["timezone"]])
        if not all(_in_window(row["windows"], at.astimezone(ZoneInfo(zone))) for zone in set(zones)):
            breach("outside_window", row)
        if row["cease"] or row["dispute"] or row["deceased"] or row["bankruptcy"] or row["attorney_represented"]:
            breach("borrower_blocked", row)
        if channel == "sms":
            if not row["sms_consent"] or row["phone_type"] != "mobile" or row["owner"] != "borrower":
                breach("no_sms_consent", row)
            if row["sms_opted_out_at"] is not None and row["sms_opted_out_at"] <= at:
                breach("after_opt_out", row)
        else:
            if not row["email_consent"]:
                breach("no_email_consent", row)
            if row["email_opted_out_at"] is not None and row["email_opted_out_at"] <= at:
                breach("after_opt_out", row)
        if row["holiday_action"] == "block":
            key = (row["country"], row["region"] or "", local_day.year)
            if key not in calendars:
                try:
                    calendars[key] = holidays.country_holidays(key[0], subdiv=key[1] or None, years=key[2])
                except NotImplementedError:
                    calendars[key] = holidays.country_holidays(key[0], years=key[2])
            if local_day in calendars[key]:
                breach("holiday", row)
        sent = times[(row["account_id"], channel)]
        sent.append(at)
        if row["weekly_debt_cap"] is not None and sum(1 for t in sent if at - t < dt.timedelta(days=7)) > row["weekly_debt_cap"]:
            breach("weekly_debt_cap", row)
        same_day = sum(1 for t in sent if t.astimezone(home).date() == local_day)
        if row["daily_debt_cap"] is not None and same_day > row["daily_debt_cap"]:
            breach("daily_debt_cap", row)
    return {
        "messages_checked": sum(checked.values()),
        "checked_by_channel": dict(checked),
        "violations": sum(found.values()),
        "by_rule": dict(found),
        "examples": examples,
    }
