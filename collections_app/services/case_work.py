"""Work that belongs to a case, not to whoever held it: when a case changes hands, it follows.

Every move of a case (the nightly assignment, a supervisor's reassignment, leave spreading) ends
with ``case_work_follow`` on the cases moved, in the mover's transaction: the case's pending
callbacks go to its agent now, so the new agent sees them and the old one is not sent to a case
they may no longer open.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import OuterRef, Subquery

from collections_app.models import Case
from scheduling.models import Callback

BATCH = 5000


def case_work_follow(*, case_ids: Sequence[int]) -> int:
    """Give the pending callbacks of ``case_ids`` to each case's current agent (none when the case has
    none). Set-based, in batches; safe to run twice. Returns how many pending callbacks it set.

    The caller holds the case rows (or wrote them in this transaction)."""
    agent_now = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("agent_id")[:1])
    count = 0
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), BATCH):
        pending = Callback.objects.filter(case_id__in=ids[start : start + BATCH], status=Callback.Status.PENDING)
        count += pending.update(agent_id=agent_now)
    return count
