"""The contact compliance engine: one engine decides every contact, for agents, dialers and messages alike.

It reads models (of any app) and never writes: recording an attempt it allowed is the contact
attempt's service (``collections_app.services.attempts.attempt_reserve``), which asks it under the
debt's lock. Public functions (import them from here):

- ``evaluate(*, phone, channel="call", at, source="agent", account=None) -> Decision``
- ``evaluate_many(phones, *, at, channel="call", source="dialer", accounts=None) -> dict[phone_id, Decision]``
- ``evaluate_targets(targets, *, at, channel, source) -> list[Decision]``: resolved ``Target`` s (a
  batch of reservations decides them after its locks)
- ``decision_from_json(data, *, policy) -> Decision``: a decision stored with an attempt, read back
- for a reservation in few round trips (``reservations``): ``evaluation_target`` (the question
  checked and resolved), ``subjects_plan``, ``facts_statements`` (to send after the lock),
  ``reservation_decide``; ``account_default`` (the debt a contact is about when none is named)
"""

from __future__ import annotations

from scheduling.engine.decision import Decision, Reason, ReasonCode, decision_from_json
from scheduling.engine.evaluate import evaluate, evaluate_many, evaluate_targets, evaluation_target
from scheduling.engine.loading import (
    Plan,
    Target,
    account_default,
    history_channels,
    history_since,
    subjects_plan,
)
from scheduling.engine.reservations import facts_statements, reservation_decide
from scheduling.engine.rules import decision_for

__all__ = [
    "Decision",
    "Plan",
    "Target",
    "account_default",
    "decision_for",
    "history_channels",
    "history_since",
    "evaluation_target",
    "facts_statements",
    "reservation_decide",
    "subjects_plan",
    "Reason",
    "ReasonCode",
    "decision_from_json",
    "evaluate",
    "evaluate_many",
    "evaluate_targets",
]
