"""The nightly close: the book's close of business, the cases that follow it, assignment, then the plan.

The book (``accounts``) knows nothing of collection work; this is where the two are composed, and
every entry point that closes business (the scheduled task, ``manage.py run_cob``, the demo
seeder) calls it:

- ``book_close``: COB for a date and, when it is the latest, the cases opened, refreshed and
  closed from the accounts' new state, in COB's one transaction (a failure leaves neither).
- ``nightly_close``: ``book_close`` and then, for the latest date, assignment of the open cases and
  the treatment strategies' plan for the next day (``services.plan``), in that order: the plan sees
  the new DPD, buckets and cases. Each in its own transactions: a failed assignment or plan leaves
  the close done, and is run again on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from accounts.services.cob import CobResult, cob_run
from collections_app.services.assignment import AssignmentResult, cases_assign
from collections_app.services.cases import cases_sync_with_book
from collections_app.services.plan import PlanResult, plan_run


def _cases_follow(business_date: date) -> None:
    cases_sync_with_book(business_date=business_date)


def book_close(*, business_date: date, worker: str = "") -> CobResult:
    """Close business for ``business_date`` and bring the cases in line with the book; one transaction.

    Locks the date's ``CobRun`` row (``cob_run``); replaying a past date leaves the cases alone.
    """
    return cob_run(business_date=business_date, worker=worker, follow=_cases_follow)


@dataclass(frozen=True)
class NightlyClose:
    cob: CobResult
    assigned: AssignmentResult | None
    plan: PlanResult | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.cob.date.isoformat(),
            "accounts": self.cob.accounts,
            "transitions": self.cob.transitions,
            "moved": self.assigned.moved if self.assigned else 0,
            "planned": self.plan.created if self.plan else 0,
        }


def nightly_close(*, business_date: date, worker: str = "", assign: bool = True, plan: bool = True) -> NightlyClose:
    """``book_close`` for the date, then (when it is the latest) assignment as of the next day (``assign``)
    and the plan of the next day (``plan``).

    Safe to run twice: COB replaces the date's rows, the case sync, assignment and the plan change
    nothing the second time.
    """
    cob = book_close(business_date=business_date, worker=worker)
    today = business_date + timedelta(days=1)
    assigned = cases_assign(today=today) if assign and cob.is_latest else None
    planned = plan_run(today=today) if plan and cob.is_latest else None
    return NightlyClose(cob=cob, assigned=assigned, plan=planned)
