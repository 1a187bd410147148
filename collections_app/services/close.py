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
- Past one machine, the same close in parts (the nightly task makes them a Celery chord when a
  broker is set and the book spans more than one range): ``close_ranges_prepare``, then
  ``close_range`` for each account-id range on any worker, then ``close_finish`` (COB's writes and
  the cases in one transaction from what the ranges computed, then assignment and the plan, as
  ``nightly_close`` does them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from accounts.services.cob import CobResult, cob_range_stage, cob_ranges_prepare, cob_run
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
    return _after_close(book_close(business_date=business_date, worker=worker), assign=assign, plan=plan)


def _after_close(cob: CobResult, *, assign: bool, plan: bool) -> NightlyClose:
    """Assignment and the plan after the close of ``cob``'s date, when it is the latest."""
    business_date = cob.date
    today = business_date + timedelta(days=1)
    assigned = cases_assign(today=today) if assign and cob.is_latest else None
    planned = plan_run(today=today) if plan and cob.is_latest else None
    return NightlyClose(cob=cob, assigned=assigned, plan=planned)


def close_ranges_prepare(*, business_date: date, range_accounts: int, token: str) -> list[tuple[int, int]]:
    """The account-id ranges ``[lo, hi)`` the close of ``business_date`` is split into (each
    ``close_range`` with the same ``token``, one per dispatch), ready to be filled; ``[]`` when the
    book fits in one: ``nightly_close`` then."""
    return cob_ranges_prepare(business_date=business_date, range_accounts=range_accounts, token=token)


def close_range(*, business_date: date, lo: int, hi: int, token: str) -> int:
    """Compute the state as of ``business_date`` of the accounts ``lo <= id < hi``; safe to run twice."""
    return cob_range_stage(business_date=business_date, lo=lo, hi=hi, token=token)


def close_finish(
    *, business_date: date, token: str, worker: str = "", assign: bool = True, plan: bool = True
) -> NightlyClose:
    """After every ``close_range`` of ``token``: COB's writes and the cases in one transaction, then
    assignment and the plan, as ``nightly_close``. Safe to run twice while the ranges' states are there."""
    cob = cob_run(business_date=business_date, worker=worker, follow=_cases_follow, stage_token=token)
    return _after_close(cob, assign=assign, plan=plan)
