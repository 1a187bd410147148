"""A batch of dialer events (calls and results), applied with the rules of the single endpoints.

A high-volume dialer sends up to 1,000 events at once; most are plain: a call's times, then a
result with no side effects (no answer, busy, voicemail...). Those are checked one by one in
memory against rows read and locked once for the whole batch (the same rule functions as the
single endpoints: ``call_report_target``, ``call_report_set``, ``result_duplicate``,
``call_outcome_set``), then written together: a handful of queries for the batch instead of a
dozen per event. An event whose disposition has side effects (do-not-call, dispute, a promise...)
or that releases an authorization goes through the single endpoint's service, in order, after
what came before it is written. Each item is answered on its own: accepted, duplicate or
rejected with the reason. Any database error rolls the whole batch back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.calendar import business_today
from accounts.services.bulk import objects_update
from collections_app.models import ContactAttempt, DialAuthorization, Integration
from collections_app.services.calls import call_outcome_set, disposition_has_effects
from collections_app.services.dialer.calls import (
    CALL_REPORT_ATTEMPT_FIELDS,
    CALL_REPORT_AUTHORIZATION_FIELDS,
    NOT_DIALED,
    call_report_set,
    call_report_target,
)
from collections_app.services.dialer.dispositions import DispositionResolver
from collections_app.services.dialer.names import agent_user_for
from collections_app.services.dialer.results import (
    RESULT_FIELDS,
    call_not_found,
    result_duplicate,
    result_fingerprint,
)
from collections_app.services.priorities import cases_reprioritize

OUTCOME_FIELDS = [
    "status", "answered_at", "ended_at", "talk_seconds", "conversation", "right_party_contact", "disposition",
    "notes", "recording_ref", "updated_at",
]  # fmt: skip


@dataclass
class Event:
    """One validated item: ``call`` (the PUT's body) or ``result`` (the result's body)."""

    kind: str
    call_id: str
    data: dict[str, Any]


class Slow(Exception):
    """This event goes through the single endpoint's service."""


class EventBatch:
    """The batch's rows, locked once, and what the events changed, written at ``flush``."""

    def __init__(self, *, integration: Integration, resolver: DispositionResolver, events: list[Event]) -> None:
        self.integration = integration
        self.resolver = resolver
        self.now = timezone.now()
        self.by_pk: dict[str, DialAuthorization] = {}
        self.by_call: dict[str, DialAuthorization] = {}
        self.reported: dict[str, DialAuthorization] = {}
        self.completed: dict[str, DialAuthorization] = {}
        self.case_ids: set[int] = set()
        self.agents: dict[str, int | None] = {}
        self._load(events)

    def _load(self, events: list[Event]) -> None:
        ids = {str(e.data["authorization_id"]) for e in events if e.kind == "call" and e.data.get("authorization_id")}
        calls = {e.call_id for e in events}
        found = (
            DialAuthorization.objects.select_for_update()
            .select_related("attempt")
            .filter(Q(pk__in=ids) | Q(external_call_id__in=calls), integration=self.integration)
            .order_by("pk")  # one lock order for every batch: two batches never wait on each other in a cycle
        )
        for authorization in found:
            self._remember(authorization)

    def _remember(self, authorization: DialAuthorization) -> None:
        self.by_pk[str(authorization.pk)] = authorization
        if authorization.external_call_id is not None:
            self.by_call[authorization.external_call_id] = authorization

    def forget(self, event: Event) -> None:
        """After the single service handled an event, its rows are read again from the database."""
        for authorization in (self.by_call.pop(event.call_id, None), self.by_pk.pop(str(event.data.get("authorization_id")), None)):
            if authorization is not None:
                self.by_pk.pop(str(authorization.pk), None)

    def knows(self, event: Event) -> bool:
        if event.kind == "call":
            return event.call_id in self.by_call or str(event.data.get("authorization_id")) in self.by_pk
        return event.call_id in self.by_call

    def _agent_id(self, username: str | None) -> int | None:
        if not username:
            return None
        if username not in self.agents:
            user = agent_user_for(username)  # raises the field error for an unknown agent
            self.agents[username] = user.pk if user is not None else None
        return self.agents[username]

    # --- events -----------------------------------------------------------------------------------

    def call(self, event: Event) -> bool:
        """Apply a call report in memory; returns whether it was a duplicate."""
        data = event.data
        if data.get("outcome") == NOT_DIALED:
            raise Slow
        authorization_id = str(data["authorization_id"])
        authorization = call_report_target(
            linked=self.by_call.get(event.call_id),
            found=self.by_pk.get(authorization_id),
            external_call_id=event.call_id,
            authorization_id=authorization_id,
        )
        created, changed = call_report_set(
            authorization,
            integration=self.integration,
            external_call_id=event.call_id,
            started_at=data.get("started_at"),
            answered_at=data.get("answered_at"),
            ended_at=data.get("ended_at"),
            agent_id=self._agent_id(data.get("agent")),
            now=self.now,
        )
        if created or changed:
            self.reported[str(authorization.pk)] = authorization
            self.by_call[event.call_id] = authorization
        return not (created or changed)

    def result(self, event: Event) -> bool:
        """Apply a plain result in memory; returns whether it was a duplicate."""
        data = event.data
        authorization = self.by_call.get(event.call_id)
        if authorization is None:
            raise call_not_found()
        code = self.resolver.resolve(data["disposition"])
        if data.get("promise") or disposition_has_effects(code):
            raise Slow  # a promise or a side effect: the single endpoint's service, in order
        fingerprint = result_fingerprint(
            code=code, talk_seconds=data["talk_seconds"], right_party=data["right_party"],
            conversation=data["conversation"], notes=data.get("notes", ""),
            recording_ref=data.get("recording_ref", ""), promise=None,
        )
        if result_duplicate(authorization, fingerprint) is not None:
            return True
        attempt = authorization.attempt
        call_outcome_set(
            attempt,
            disposition=code,
            right_party_contact=data["right_party"],
            conversation=data["conversation"],
            talk_seconds=data["talk_seconds"],
            notes=data.get("notes", ""),
            recording_ref=data.get("recording_ref", ""),
            answered_at=attempt.answered_at,
            ended_at=attempt.ended_at,
            at=self.now,
        )
        attempt.updated_at = self.now
        authorization.result_hash = fingerprint
        authorization.result_at = self.now
        authorization.result = {"disposition": code.code, "effects": [], "promise_id": None}
        self.completed[str(authorization.pk)] = authorization
        if attempt.case_id is not None:
            self.case_ids.add(attempt.case_id)
        return False

    # --- writing ----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what the events changed so far: attempts, then authorizations, in a few statements."""
        touched = {**self.reported, **self.completed}
        if not touched:
            return
        attempt_fields = list(CALL_REPORT_ATTEMPT_FIELDS)
        if self.completed:
            attempt_fields += [f for f in OUTCOME_FIELDS if f not in attempt_fields]
        authorization_fields = list(CALL_REPORT_AUTHORIZATION_FIELDS)
        if self.completed:
            authorization_fields += RESULT_FIELDS
        objects_update(ContactAttempt, [a.attempt for a in touched.values()], attempt_fields)
        objects_update(DialAuthorization, list(touched.values()), authorization_fields)
        self.reported.clear()
        self.completed.clear()

    def finish(self) -> None:
        self.flush()
        if self.case_ids:
            # A completed call ends a broken promise's top tier at once: once for the batch's cases.
            cases_reprioritize(today=business_today(), case_ids=self.case_ids)
            self.case_ids.clear()


def events_apply(
    *,
    integration: Integration,
    resolver: DispositionResolver,
    events: list[Event],
    single: Callable[[Event], bool],
    answer: Callable[[int, Callable[[], bool]], None],
) -> None:
    """Apply ``events`` in order; ``single(event)`` runs one through the single endpoint's service (in
    its own savepoint) and returns whether it was a duplicate; ``answer(index, apply)`` calls ``apply``
    and records the item's outcome (accepted, duplicate, or the refusal it raised)."""
    with transaction.atomic():
        batch = EventBatch(integration=integration, resolver=resolver, events=events)

        def one(event: Event) -> Callable[[], bool]:
            def apply() -> bool:
                if batch.knows(event):
                    try:
                        return batch.call(event) if event.kind == "call" else batch.result(event)
                    except Slow:
                        pass
                batch.flush()
                batch.forget(event)
                duplicate = single(event)
                batch.forget(event)
                return duplicate

            return apply

        for index, event in enumerate(events):
            answer(index, one(event))
        batch.finish()
