"""What the engine answers: a decision with stable machine reason codes and readable text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

from scheduling.models import ContactPolicy


class ReasonCode:
    """Stable machine codes. Never rename one: dialers and reports match on them."""

    # Hard blocks: nothing the clock does lifts them (except breathing space, which ends).
    NO_DEBT = "no_debt"
    ACCOUNT_CLOSED = "account_closed"
    NO_POLICY = "no_policy"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    UNKNOWN_TIMEZONE = "unknown_timezone"
    DO_NOT_CALL = "do_not_call"
    NUMBER_UNCALLABLE = "number_uncallable"
    THIRD_PARTY = "third_party"
    NO_AUTODIALER_CONSENT = "no_autodialer_consent"
    NO_WORK_CALLS = "no_work_calls"
    CEASE = "cease"
    DISPUTE = "dispute"
    COMPLAINT_OPEN = "complaint_open"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    BREATHING_SPACE = "breathing_space"
    PROMISE_HOLD = "promise_hold"
    # Messages: the medium's consent and opt-out, the e-mail address's provenance.
    SMS_OPT_OUT = "sms_opt_out"
    NOT_A_MOBILE = "not_a_mobile"
    NO_SMS_CONSENT = "no_sms_consent"
    EMAIL_OPT_OUT = "email_opt_out"
    EMAIL_NOT_PERMITTED = "email_not_permitted"
    NO_EMAIL_CONSENT = "no_email_consent"
    # The clock and the calendar.
    OUTSIDE_WINDOW = "outside_window"
    HOLIDAY = "holiday"
    HOLIDAY_CAP = "holiday_cap"
    PREFERENCE_HOURS = "preference_hours"
    # Frequency.
    WEEKLY_CAP = "weekly_cap"
    DAILY_CAP = "daily_cap"
    COOL_DOWN = "cool_down"
    DAILY_CONNECTED_CAP = "daily_connected_cap"
    DAILY_UNANSWERED_CAP = "daily_unanswered_cap"


MESSAGES: dict[str, str] = {
    ReasonCode.NO_DEBT: gettext_noop("The borrower has no loan account to collect."),
    ReasonCode.ACCOUNT_CLOSED: gettext_noop("The loan account is closed (%(status)s)."),
    ReasonCode.NO_POLICY: gettext_noop("No contact policy applies to this borrower and product."),
    ReasonCode.CHANNEL_NOT_ALLOWED: gettext_noop(
        "The contact policy %(policy)s does not allow the channel %(channel)s."
    ),
    ReasonCode.UNKNOWN_TIMEZONE: gettext_noop(
        "The borrower's time zone is unknown, so no time can be judged convenient."
    ),
    ReasonCode.DO_NOT_CALL: gettext_noop("The number is on the do-not-call list."),
    ReasonCode.NUMBER_UNCALLABLE: gettext_noop("The number is marked wrong or disconnected."),
    ReasonCode.THIRD_PARTY: gettext_noop("The number belongs to a third party who may not be contacted."),
    ReasonCode.NO_AUTODIALER_CONSENT: gettext_noop(
        "No autodialer consent for this mobile number: only an agent may dial it by hand."
    ),
    ReasonCode.NO_WORK_CALLS: gettext_noop("The borrower asked not to be called at work."),
    ReasonCode.CEASE: gettext_noop("The borrower asked us to stop all communication."),
    ReasonCode.DISPUTE: gettext_noop("The debt is disputed: collection is paused until it is verified."),
    ReasonCode.COMPLAINT_OPEN: gettext_noop(
        "A complaint about the collection of this debt is open: no contact until it is resolved."
    ),
    ReasonCode.ATTORNEY: gettext_noop(
        "The borrower is represented by an attorney: contact the attorney instead."
    ),
    ReasonCode.BANKRUPTCY: gettext_noop("The borrower is in bankruptcy."),
    ReasonCode.DECEASED: gettext_noop("The borrower is deceased."),
    ReasonCode.BREATHING_SPACE: gettext_noop("The borrower is in breathing space until %(until)s."),
    ReasonCode.PROMISE_HOLD: gettext_noop(
        "The borrower promised to pay on %(date)s: no collection call before then, except the follow-up "
        "agreed with the promise."
    ),
    ReasonCode.SMS_OPT_OUT: gettext_noop("The borrower opted this number out of text messages."),
    ReasonCode.NOT_A_MOBILE: gettext_noop("Text messages go to mobile numbers only."),
    ReasonCode.NO_SMS_CONSENT: gettext_noop("The borrower has not consented to text messages on this number."),
    ReasonCode.EMAIL_OPT_OUT: gettext_noop("The borrower opted this address out of e-mail."),
    ReasonCode.EMAIL_NOT_PERMITTED: gettext_noop(
        "The address was neither given by the borrower nor used by the creditor with notice (12 CFR 1006.6(d)(4))."
    ),
    ReasonCode.NO_EMAIL_CONSENT: gettext_noop("The borrower has not consented to collection e-mail at this address."),
    ReasonCode.OUTSIDE_WINDOW: gettext_noop(
        "Outside the contact window in %(zone)s (local time there: %(local)s)."
    ),
    ReasonCode.HOLIDAY: gettext_noop("%(date)s is a holiday (%(name)s): the policy blocks contact."),
    ReasonCode.HOLIDAY_CAP: gettext_noop(
        "%(date)s is a holiday (%(name)s): at most %(cap)s attempt(s) per debt that day."
    ),
    ReasonCode.PREFERENCE_HOURS: gettext_noop(
        "The borrower asked to be contacted only %(hours)s (local time now: %(local)s)."
    ),
    ReasonCode.WEEKLY_CAP: gettext_noop(
        "%(count)s attempts on this debt in the last 7 days: the cap is %(cap)s."
    ),
    ReasonCode.DAILY_CAP: gettext_noop("%(count)s attempts on this debt today: the cap is %(cap)s."),
    ReasonCode.COOL_DOWN: gettext_noop(
        "A conversation about this debt on %(date)s: no calls until %(until)s (the conversation day is day 1)."
    ),
    ReasonCode.DAILY_CONNECTED_CAP: gettext_noop(
        "%(count)s connected calls with the borrower today: the cap is %(cap)s."
    ),
    ReasonCode.DAILY_UNANSWERED_CAP: gettext_noop(
        "%(count)s unanswered attempts on this number today: the cap is %(cap)s."
    ),
}


def reason_message(code: str, **params: Any) -> str:
    """The human text of a reason, in the active language."""
    text = gettext(MESSAGES[code])
    return text % params if params else text


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one contact at one instant.

    ``next_allowed_at`` is the earliest instant at which the same question would be answered yes
    (None when allowed now, or when a hard block has no end). ``attempts_left_today`` and
    ``attempts_left_week`` are the headroom under the policy's caps (None: no cap applies).
    ``window_closes_at`` is when the current window closes (None when refused).
    """

    allowed: bool
    reasons: list[Reason]
    at: dt.datetime
    channel: str
    source: str
    next_allowed_at: dt.datetime | None = None
    attempts_left_today: int | None = None
    attempts_left_week: int | None = None
    window_closes_at: dt.datetime | None = None
    policy: ContactPolicy | None = None
    direct_prior_consent: bool = False
    account_id: int | None = None
    phone_id: int | None = None
    zones: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def as_json(self) -> dict[str, Any]:
        """The decision as stored with the attempt it allowed and as answered by the API."""

        def iso(value: dt.datetime | None) -> str | None:
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None

        return {
            "allowed": self.allowed,
            "reasons": [reason.as_json() for reason in self.reasons],
            "next_allowed_at": iso(self.next_allowed_at),
            "attempts_left_today": self.attempts_left_today,
            "attempts_left_week": self.attempts_left_week,
            "window_closes_at": iso(self.window_closes_at),
            "at": iso(self.at),
            "channel": self.channel,
            "source": self.source,
            "direct_prior_consent": self.direct_prior_consent,
            "account_id": self.account_id,
            "phone_id": self.phone_id,
            "zones": self.zones,
            "policy": (
                {"id": self.policy.pk, "name": self.policy.name, "version": self.policy.version}
                if self.policy is not None
                else None
            ),
        }


def decision_from_json(data: dict[str, Any], *, policy: ContactPolicy | None) -> Decision:
    """The decision stored with an attempt, read back (an idempotent replay answers with it)."""

    def instant(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    at = instant(data.get("at"))
    assert at is not None
    return Decision(
        allowed=bool(data.get("allowed")),
        reasons=[Reason(r["code"], r["message"]) for r in data.get("reasons", [])],
        at=at,
        channel=data.get("channel", "call"),
        source=data.get("source", "agent"),
        next_allowed_at=instant(data.get("next_allowed_at")),
        attempts_left_today=data.get("attempts_left_today"),
        attempts_left_week=data.get("attempts_left_week"),
        window_closes_at=instant(data.get("window_closes_at")),
        policy=policy,
        direct_prior_consent=bool(data.get("direct_prior_consent")),
        account_id=data.get("account_id"),
        phone_id=data.get("phone_id"),
        zones=list(data.get("zones", [])),
    )
