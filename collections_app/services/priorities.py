"""Case priority tiers and the next action time, which put the most urgent work first in every queue.

The queue sorts by ``-priority`` first, then ``next_action_at`` (``selectors.cases.QUEUE_ORDER``).
The tiers, highest wins:

- 300 **promise missed**: the case's latest promise was broken or partially kept in the last 7
  days and nobody has worked the case since (no newer promise, no completed contact attempt on it
  placed on or after the day it was settled);
- 200 **promise due today**: an open promise has a part dated today;
- 100 **callback due**: a pending callback on the case is due before the end of today;
- 0 otherwise.

``next_action_at`` is the time of the case's earliest pending callback (empty without one).
A priority set by hand to another number is kept unless a tier is higher; it is replaced when a
tier ends. "Today" is the book's calendar (``settings.BOOK_TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import Exists, IntegerField, Min, OuterRef, Q, Subquery, Value, When

from accounts.calendar import day_end
from accounts.services.bulk import objects_update
from collections_app.models import Case, ContactAttempt, PromisePart, PromiseToPay
from scheduling.models import Callback

PROMISE_MISSED = 300
PROMISE_DUE_TODAY = 200
CALLBACK_DUE = 100
TIERS = frozenset({0, CALLBACK_DUE, PROMISE_DUE_TODAY, PROMISE_MISSED})
MISSED_PROMISE_DAYS = 7
BATCH = 2000


def _tiers(today: dt.date) -> dict[str, Exists]:
    newer_promise = PromiseToPay.objects.filter(case=OuterRef("case"), pk__gt=OuterRef("pk"))
    worked_since = ContactAttempt.objects.filter(
        case=OuterRef("case"),
        status=ContactAttempt.Status.COMPLETED,
        placed_at__date__gte=OuterRef("settled_on"),
    )
    missed = PromiseToPay.objects.filter(
        case=OuterRef("pk"),
        status__in=[PromiseToPay.Status.BROKEN, PromiseToPay.Status.PARTIALLY_KEPT],
        settled_on__gt=today - dt.timedelta(days=MISSED_PROMISE_DAYS),
    ).filter(~Exists(newer_promise), ~Exists(worked_since))
    due_today = PromisePart.objects.filter(
        promise__case=OuterRef("pk"),
        promise__status=PromiseToPay.Status.OPEN,
        status=PromisePart.Status.OPEN,
        due_date=today,
    )
    callback_due = Callback.objects.filter(
        case=OuterRef("pk"), status=Callback.Status.PENDING, due_at__lt=day_end(today)
    )
    return {"t_missed": Exists(missed), "t_due": Exists(due_today), "t_callback": Exists(callback_due)}


@transaction.atomic
def cases_reprioritize(*, today: dt.date, case_ids: Collection[int] | None = None) -> int:
    """Recompute the priority tier and next action time of open cases; return the cases changed.

    ``case_ids`` limits the work to those cases (after a promise or a callback changes); without
    it every open case that has or had a tier is looked at (the settle job). One read, then the
    changed rows are written in batches: a second run writes nothing.
    """
    tiers = _tiers(today)
    next_callback = (
        Callback.objects.filter(case=OuterRef("pk"), status=Callback.Status.PENDING)
        .order_by()
        .values("case")
        .annotate(first=Min("due_at"))
        .values("first")
    )
    cases = Case.objects.filter(status=Case.Status.OPEN)
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    else:
        # Only cases a tier can apply to, or that hold one now: the rest stay at 0 without being read.
        recent = Q(status=PromiseToPay.Status.OPEN) | Q(
            settled_on__gt=today - dt.timedelta(days=MISSED_PROMISE_DAYS)
        )
        has_promise_or_callback = Exists(PromiseToPay.objects.filter(recent, case=OuterRef("pk"))) | Exists(
            Callback.objects.filter(case=OuterRef("pk"), status=Callback.Status.PENDING)
        )
        cases = cases.filter(has_promise_or_callback | ~Q(priority=0) | Q(next_action_at__isnull=False))
    rows = (
        cases.annotate(
            **tiers,
            tier=SqlCase(
                When(t_missed=True, then=Value(PROMISE_MISSED)),
                When(t_due=True, then=Value(PROMISE_DUE_TODAY)),
                When(t_callback=True, then=Value(CALLBACK_DUE)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            next_callback=Subquery(next_callback),
        )
        .values_list("pk", "priority", "next_action_at", "tier", "next_callback")
        .order_by()
    )
    changed: list[Case] = []
    for pk, priority, next_action_at, tier, next_callback_at in rows.iterator(chunk_size=BATCH):
        new_priority = tier if priority in TIERS else max(priority, tier)
        if (new_priority, next_action_at) != (priority, next_callback_at):
            changed.append(Case(pk=pk, priority=new_priority, next_action_at=next_callback_at))
    objects_update(Case, changed, ["priority", "next_action_at"])
    return len(changed)
