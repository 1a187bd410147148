"""The contact policies, their channel rules and assignments: read once per process, kept until one changes.

Every decision needs them and they change a few times a year, so reading them (three queries)
for each dial authorization was a third of its database work. A process keeps one snapshot and
checks, with one cache read at most once a second, a generation number that every save or delete
of a policy, a rule or an assignment bumps (``policies_changed``, connected to their signals in ``scheduling.apps``).
With Redis as the cache (production) the number is shared, so a change made in the admin on one
machine is seen within a second by every other; the process that made the change drops its
snapshot at once, inside its own transaction. If the cache cannot be read the snapshot is read
again from the database every time: slower, never stale. ``MAX_AGE`` bounds the life of a
snapshot in any case (a change written behind Django's back, such as raw SQL).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction

from scheduling.models import ChannelRule, ContactPolicy, PolicyAssignment

logger = logging.getLogger(__name__)

GENERATION_KEY = "scheduling:policies:generation"
MAX_AGE = 60.0  # seconds
# How often a process asks the cache for the generation: a change reaches every process within this.
GENERATION_CHECK_SECONDS = 1.0


@dataclass
class PolicySnapshot:
    assignments: list[PolicyAssignment]
    versions: dict[str, list[ContactPolicy]]  # active versions by name, newest first
    rules: dict[tuple[int, str], ChannelRule] = field(default_factory=dict)

    def in_force(self, name: str, at: dt.datetime) -> ContactPolicy | None:
        """The newest active version of ``name`` in effect at ``at``."""
        return next((v for v in self.versions.get(name, []) if v.effective_from <= at), None)


_local = threading.local()


def _generation() -> Any:
    try:
        return cache.get(GENERATION_KEY, 0)
    except Exception:  # the cache is down: read the policies from the database
        logger.warning("policy cache unreadable; reading policies from the database")
        return None


def _load() -> PolicySnapshot:
    versions: dict[str, list[ContactPolicy]] = {}
    for policy in ContactPolicy.objects.filter(is_active=True).order_by("name", "-version"):
        versions.setdefault(policy.name, []).append(policy)
    rules = {(r.policy_id, r.channel): r for r in ChannelRule.objects.filter(policy__is_active=True)}
    return PolicySnapshot(assignments=list(PolicyAssignment.objects.all()), versions=versions, rules=rules)


def policies_snapshot() -> PolicySnapshot:
    """The policies as they are now (see the module's docstring for how fresh)."""
    if time.monotonic() - getattr(_local, "changed_at", -MAX_AGE) < MAX_AGE:
        # This thread changed a policy in a transaction not yet committed (or rolled back): what it
        # reads is its own, not for keeping.
        return _load()
    held = getattr(_local, "held", None)
    now = time.monotonic()
    if held is not None and now - getattr(_local, "checked_at", -MAX_AGE) < GENERATION_CHECK_SECONDS:
        return held[2]  # type: ignore[no-any-return]
    generation = _generation()
    _local.checked_at = now
    if generation is not None and held is not None and held[0] == generation and now - held[1] < MAX_AGE:
        return held[2]  # type: ignore[no-any-return]
    snapshot = _load()
    if generation is not None:
        _local.held = (generation, now, snapshot)
    return snapshot


def policies_forget() -> None:
    """Drop this thread's snapshot and any change it made that never committed (tests, whose
    rolled-back transactions bump nothing and commit nothing, call it)."""
    _local.held = None
    _local.checked_at = -MAX_AGE
    _local.changed_at = -MAX_AGE


def policies_changed(**_kwargs: Any) -> None:
    """A policy, rule or assignment was saved or deleted (signals; services that write in bulk call it
    too): this thread stops keeping snapshots until its transaction commits, and every process drops
    its snapshot now and again at the commit."""
    _local.held = None
    _local.changed_at = time.monotonic()

    def bump() -> None:
        try:
            cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
        except Exception:
            logger.warning("policy cache unwritable; other processes see the change within %ss", MAX_AGE)

    def committed() -> None:
        _local.changed_at = -MAX_AGE
        bump()

    bump()
    transaction.on_commit(committed)
