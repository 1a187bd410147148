"""Contact attempts are partitioned by the month of their ``placed_at`` on PostgreSQL
(config/partitions.py): each lands in its month, a dialer's call id stays one attempt across a
month's end, the six references into attempts (no longer checked by the database) are checked by
``references_dangling``, and the engine's and the dialer's reads still go through an index and read
only the months they ask for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from accounts.models import Phone
from collections_app.models import ContactAttempt, DialAuthorization
from collections_app.services.attempts import attempt_reserve, attempts_expire
from config import partitions
from scheduling.presets import presets_ensure
from tests.accounts.test_partitions_by_month import partition_holding
from tests.api.conftest import dialer_client, open_case_debt
from tests.concurrency import at_once
from tests.messaging.test_messages_by_month_pg import APRIL_END, MAY_START, plan
from tests.scheduling.conftest import local

pytestmark = pytest.mark.postgres
TABLE = "collections_app_contactattempt"
REFERENCES = {
    "collections_app_dialauthorization.attempt_id", "collections_app_promisetopay.attempt_id",
    "collections_app_dispute.attempt_id", "collections_app_message.attempt_id", "collections_app_qareview.attempt_id",
    "collections_app_complaint_attempts.contactattempt_id",
}  # fmt: skip


@pytest.mark.django_db
def test_an_attempt_is_filed_in_the_month_it_was_placed_and_one_of_a_month_without_a_partition_waits_in_the_default():
    presets_ensure()
    debt = open_case_debt()
    partitions.partitions_ensure(through=dt.date(2026, 4, 7))
    _decision, april = attempt_reserve(phone=debt.phone, at=local("America/New_York", 2026, 4, 7, 10, 0))
    decision, later = attempt_reserve(phone=debt.phone, at=local("America/New_York", 2031, 5, 6, 10, 0))
    assert april is not None and later is not None, decision.codes

    assert partition_holding(TABLE, april.pk) == f"{TABLE}_y2026m04"
    assert partition_holding(TABLE, later.pk) == f"{TABLE}_default"
    assert f"{TABLE}_y2031m05" in partitions.partitions_ensure(through=dt.date(2031, 5, 6))
    assert partition_holding(TABLE, later.pk) == f"{TABLE}_y2031m05"
    assert attempts_expire(now=local("America/New_York", 2031, 5, 7, 10, 0)) == 2
    assert set(ContactAttempt.objects.values_list("status", flat=True)) == {"expired"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reports_of_one_call_id_either_side_of_a_months_end_make_one_attempt():
    # Given two debts of two borrowers, and the partitions of April and May (the database's key is
    # unique per month only; the two borrowers share no counter lock)
    presets_ensure()
    debts = [open_case_debt(), open_case_debt()]
    partitions.partitions_ensure(through=APRIL_END.date())
    partitions.partitions_ensure(through=MAY_START.date())

    def ready(index: int) -> tuple[Phone, dt.datetime]:
        return Phone.objects.get(pk=debts[index].phone.pk), (APRIL_END, MAY_START)[index]

    def report(given: tuple[Phone, dt.datetime]) -> int:
        phone, at = given
        _decision, attempt = attempt_reserve(phone=phone, at=at, source="dialer", external_id="vici:call-77")
        assert attempt is not None
        return attempt.pk

    # When a dialer reports the call id at once for April's last minute and May's first
    attempts = at_once(2, report, ready=ready)

    # Then one attempt holds the call id, and both reports were answered with it
    assert ContactAttempt.objects.filter(external_id="vici:call-77").count() == 1
    assert len(set(attempts)) == 1


@pytest.mark.django_db
def test_the_references_into_attempts_are_checked_and_one_to_an_attempt_that_is_gone_is_reported():
    presets_ensure()
    debt = open_case_debt()
    integration = dialer_client().integration
    _decision, attempt = attempt_reserve(phone=debt.phone, at=local("America/New_York", 2026, 4, 7, 10, 0))
    assert attempt is not None
    DialAuthorization.objects.create(integration=integration, attempt=attempt, expires_at=attempt.placed_at)
    found = partitions.references_dangling()
    assert set(found) >= REFERENCES
    assert {name: found[name] for name in REFERENCES} == dict.fromkeys(REFERENCES, 0)

    with connection.cursor() as cursor:  # as dropping the attempt's month would, past the ORM
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [attempt.pk])

    assert partitions.references_dangling()["collections_app_dialauthorization.attempt_id"] == 1


@pytest.mark.django_db
def test_the_engines_history_and_the_dialers_lookups_go_through_an_index_and_read_only_the_months_asked():
    partitions.partitions_ensure(through=APRIL_END.date())
    partitions.partitions_ensure(through=MAY_START.date())
    since = MAY_START  # the engine's history from an instant in May: April is not read
    history = plan(
        f"SELECT COUNT(*) FROM {TABLE} WHERE account_id = ANY(%s) AND placed_at >= %s AND status <> 'not_dialed'",
        [[1, 2], since],
    )
    by_call_id = ContactAttempt.objects.filter(external_id="vici:1").values("id")
    case_history = ContactAttempt.objects.filter(case_id=1).order_by("-placed_at").values("id")[:20]

    assert "Seq Scan" not in history and f"{TABLE}_y2026m04" not in history and f"{TABLE}_y2026m05" in history
    assert "Seq Scan" not in plan(*by_call_id.query.sql_with_params())
    assert "Seq Scan" not in plan(*case_history.query.sql_with_params())
    assert "Seq Scan" not in plan(f"UPDATE {TABLE} SET status = 'completed' WHERE id = %s", [1])
