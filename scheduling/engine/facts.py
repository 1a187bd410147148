"""The facts the rules read, loaded once per decision (``scheduling.engine.loading``): plain values,
no database access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from scheduling.models import ChannelRule, ContactPolicy
from scheduling.windows import Windows, windows_parse_cached


@dataclass(frozen=True)
class RuleFacts:
    windows: Windows
    all_zones_in_window: bool
    holiday_action: str
    holiday_daily_cap: int
    weekly_debt_cap: int | None
    daily_debt_cap: int | None
    daily_borrower_connected_cap: int | None
    daily_number_unanswered_cap: int | None
    cool_down_days: int
    prior_consent_excluded: bool
    prior_consent_days: int
    consent_required: bool = False
    promise_hold: bool = True

    @classmethod
    def of(cls, rule: ChannelRule) -> RuleFacts:
        return cls(
            windows=windows_parse_cached(rule.windows),
            all_zones_in_window=rule.all_zones_in_window,
            holiday_action=rule.holiday_action,
            holiday_daily_cap=rule.holiday_daily_cap,
            weekly_debt_cap=rule.weekly_debt_cap,
            daily_debt_cap=rule.daily_debt_cap,
            daily_borrower_connected_cap=rule.daily_borrower_connected_cap,
            daily_number_unanswered_cap=rule.daily_number_unanswered_cap,
            cool_down_days=rule.cool_down_days,
            prior_consent_excluded=rule.prior_consent_excluded,
            prior_consent_days=rule.prior_consent_days,
            consent_required=rule.consent_required,
            promise_hold=rule.promise_hold,
        )


@dataclass(frozen=True)
class PhoneFacts:
    id: int
    type: str
    owner: str
    third_party_may_contact: bool
    autodialer_consent: bool
    do_not_call: bool
    uncallable: bool
    zone_names: tuple[str, ...]
    sms_consent: bool = False
    sms_opted_out: bool = False


@dataclass(frozen=True)
class EmailFacts:
    id: int
    source: str
    consent: bool
    opted_out: bool


@dataclass(frozen=True)
class PreferenceFacts:
    cease: bool = False
    no_work_calls: bool = False
    only_after: int | None = None  # minutes after local midnight
    only_before: int | None = None
    breathing_space_until: dt.date | None = None
    direct_consent_at: dt.datetime | None = None
    # The borrower's debts held by an open complaint of a holding category (DESIGN.md 17).
    complaint_accounts: frozenset[int] = frozenset()
    # The borrower's debts with an open dispute (DESIGN.md 17): the others stay in collection.
    dispute_accounts: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PromiseFacts:
    """The debt's open promise to pay, as the promise hold reads it (DESIGN.md 5).

    ``hold_until``: the date of the promise's next open part (the borrower's date): no collection
    call before it. ``follow_ups``: the instants of the follow-up calls the borrower agreed to with
    the promise and not yet made (the pending follow-up callbacks, or the promise's own follow-up time
    while no callback is recorded for it): from each on, the hold lets a call through.
    """

    hold_until: dt.date
    follow_ups: tuple[dt.datetime, ...] = ()


@dataclass
class History:
    """Counts per local date (the borrower's address zone) of what the caps look at."""

    debt_counted: dict[dt.date, int] = field(default_factory=dict)
    conversation_days: set[dt.date] = field(default_factory=set)
    borrower_connected: dict[dt.date, int] = field(default_factory=dict)
    number_unanswered: dict[dt.date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Subject:
    """Everything the rules need to know about one contact, loaded beforehand."""

    channel: str
    source: str
    account_id: int | None
    account_status: str | None
    borrower_zone_name: str
    borrower_zone: ZoneInfo | None
    deceased: bool
    bankruptcy: bool
    attorney: bool
    phone: PhoneFacts | None
    phone_zones: tuple[tuple[str, ZoneInfo], ...]
    preference: PreferenceFacts
    policy: ContactPolicy | None
    rule: RuleFacts | None
    holiday_name: Callable[[dt.date], str | None]
    email: EmailFacts | None = None
    promise: PromiseFacts | None = None

    def zones(self) -> list[tuple[str, ZoneInfo]]:
        """The zones that must all be inside the window: the address zone, then the phone's."""
        assert self.borrower_zone is not None
        zones = [(self.borrower_zone_name, self.borrower_zone)]
        if self.rule is not None and self.rule.all_zones_in_window:
            zones += [(name, zone) for name, zone in self.phone_zones if name != self.borrower_zone_name]
        return zones


@dataclass(frozen=True)
class Failure:
    code: str
    params: dict[str, Any]
    # The earliest instant at which this check alone could pass; None: never (a hard block).
    clears_at: dt.datetime | None
