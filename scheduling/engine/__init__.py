"""The contact compliance engine: one engine decides every contact, for agents and dialers alike.

Public functions (import them from here):

- ``evaluate(*, phone, channel="call", at, source="agent", account=None) -> Decision``
- ``evaluate_many(phones, *, at, channel="call", source="dialer", accounts=None) -> dict[phone_id, Decision]``
- ``reserve(*, phone, channel="call", at=None, source="agent", agent=None, case=None, account=None,
  external_id=None, ttl=2 min) -> (Decision, ContactAttempt | None)``
- ``release(attempt, *, outcome="not_dialed") -> ContactAttempt``
- ``attempt_complete(*, attempt, answered_at=None, ended_at=None, talk_seconds=0, conversation=False,
  right_party_contact=False, disposition=None, notes="", recording_ref="") -> ContactAttempt``
- ``attempt_outcome_set(locked, **the same)``: its rules on a row the caller holds locked, unsaved
- ``attempts_expire(*, now=None) -> int``
"""

from __future__ import annotations

from scheduling.engine.decision import Decision, Reason, ReasonCode
from scheduling.engine.evaluate import evaluate, evaluate_many
from scheduling.engine.reservations import (
    RESERVATION_TTL,
    attempt_complete,
    attempt_outcome_set,
    attempts_expire,
    release,
    reserve,
)

__all__ = [
    "RESERVATION_TTL",
    "Decision",
    "Reason",
    "ReasonCode",
    "attempt_complete",
    "attempt_outcome_set",
    "attempts_expire",
    "evaluate",
    "evaluate_many",
    "release",
    "reserve",
]
