"""The nightly close in account-id ranges (what the chord's tasks do, here in one process): the rows of
the close in one piece, and a dispatch whose ranges a later one replaced never touches the close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection, transaction

from accounts.models import CobRun
from accounts.services.cob import CobStageGone
from collections_app.services.close import close_finish, close_range, close_ranges_prepare, nightly_close
from tests.factories import loan_with_schedule
from tests.integration.test_faults_cob_worker import cob_results

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2026, 3, 20)


def book() -> None:
    for n in range(7):
        loan_with_schedule(first_due=dt.date(2026, 1, 5) + dt.timedelta(days=9 * n))


def split_close(token: str, *, finish: bool = True) -> None:
    for lo, hi in close_ranges_prepare(business_date=DAY, range_accounts=2, token=token):
        close_range(business_date=DAY, lo=lo, hi=hi, token=token)
    if finish:
        close_finish(business_date=DAY, token=token, assign=False, plan=False)


def stages() -> list[str]:
    return [name for name in connection.introspection.table_names() if name.startswith("cob_stage_")]


def test_the_close_in_ranges_leaves_the_rows_of_the_close_in_one_piece():
    book()
    with transaction.atomic():
        nightly_close(business_date=DAY, assign=False, plan=False)
        in_one_piece = cob_results()
        transaction.set_rollback(True)
    assert in_one_piece["snapshots"]

    split_close("a1")

    assert cob_results() == in_one_piece
    assert stages() == []


def test_a_dispatch_whose_stage_a_later_one_dropped_refuses_to_finish_and_leaves_the_run_as_it_is():
    book()
    split_close("a1", finish=False)  # the first dispatch's ranges are done
    split_close("b2")  # a second dispatch of the date replaces its stage and closes
    done = cob_results()

    with pytest.raises(CobStageGone):
        close_finish(business_date=DAY, token="a1", assign=False, plan=False)

    assert CobRun.objects.get(date=DAY).status == CobRun.Status.DONE
    assert cob_results() == done


def _failing(exc: Exception):  # type: ignore[no-untyped-def]
    def fail(*_args: object, **_kwargs: object) -> None:
        raise exc

    return fail


def test_a_split_close_whose_writes_fail_leaves_no_stage_behind(monkeypatch: pytest.MonkeyPatch):
    book()
    split_close("a1", finish=False)
    monkeypatch.setattr("collections_app.services.close.cases_sync_with_book", _failing(ValueError("a bug")))

    with pytest.raises(ValueError):
        close_finish(business_date=DAY, token="a1", assign=False, plan=False)

    assert CobRun.objects.get(date=DAY).status == CobRun.Status.FAILED
    assert stages() == []


def test_a_split_close_whose_range_fails_leaves_no_stage_behind(monkeypatch: pytest.MonkeyPatch):
    book()
    ranges = close_ranges_prepare(business_date=DAY, range_accounts=2, token="a1")
    close_range(business_date=DAY, lo=ranges[0][0], hi=ranges[0][1], token="a1")
    monkeypatch.setattr("accounts.services.cob.previous_cob_date", _failing(ValueError("a bug")))

    with pytest.raises(ValueError):
        close_range(business_date=DAY, lo=ranges[1][0], hi=ranges[1][1], token="a1")

    assert stages() == []


def test_a_split_close_cut_off_from_the_database_keeps_its_stage_for_the_retry(monkeypatch: pytest.MonkeyPatch):
    book()
    split_close("a1", finish=False)
    with monkeypatch.context() as patched:
        patched.setattr(
            "collections_app.services.close.cases_sync_with_book", _failing(OperationalError("server closed"))
        )
        with pytest.raises(OperationalError):
            close_finish(business_date=DAY, token="a1", assign=False, plan=False)
    assert len(stages()) == 1

    close_finish(business_date=DAY, token="a1", assign=False, plan=False)  # the retry

    assert CobRun.objects.get(date=DAY).status == CobRun.Status.DONE
    assert stages() == []
