"""Messages are partitioned by the month of their ``created_at`` on PostgreSQL (config/partitions.py):
each lands in its month, an idempotency key stays one message across a month's end, the planned
actions' references (no longer checked by the database) are checked by ``references_dangling``, and
the sender's and the callbacks' lookups still go through an index."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from collections_app.models import Message, PlanAction
from collections_app.services.messages import message_create
from collections_app.services.plan import plan_run
from collections_app.services.plan_sending import plan_sends_dispatch
from config import partitions
from tests.accounts.test_partitions_by_month import partition_holding
from tests.concurrency import at_once
from tests.messaging.conftest import texting_debt
from tests.strategies.book import TODAY
from tests.strategies.test_plan_sends import MORNING_IN_NEW_YORK, reminded

pytestmark = pytest.mark.postgres
TABLE = "collections_app_message"
# The last minute of April and the first of May in UTC: 19:59 and 20:00 in New York, within its hours.
APRIL_END = dt.datetime(2026, 4, 30, 23, 59, 30, tzinfo=dt.UTC)
MAY_START = dt.datetime(2026, 5, 1, 0, 0, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_message_is_filed_in_the_month_it_was_created_and_one_of_a_month_without_a_partition_waits_in_the_default():
    debt = texting_debt()
    partitions.partitions_ensure(through=APRIL_END.date())
    april = message_create(case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=APRIL_END).message
    earlier = message_create(
        case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=dt.datetime(2019, 7, 2, 15, 0, tzinfo=dt.UTC)
    ).message

    assert partition_holding(TABLE, april.pk) == f"{TABLE}_y2026m04"
    assert partition_holding(TABLE, earlier.pk) == f"{TABLE}_default"
    assert f"{TABLE}_y2019m07" in partitions.partitions_ensure()
    assert partition_holding(TABLE, earlier.pk) == f"{TABLE}_y2019m07"
    assert Message.objects.get(pk=earlier.pk).body == earlier.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_with_one_idempotency_key_either_side_of_a_months_end_make_one_message():
    # Given a debt, and the partitions of April and May (the database's key is unique per month only)
    debt = texting_debt()
    partitions.partitions_ensure(through=APRIL_END.date())
    partitions.partitions_ensure(through=MAY_START.date())

    def request(at: dt.datetime) -> bool:
        return message_create(
            case=debt.case, template_code="pre_due_sms", phone=debt.phone, at=at, idempotency_key="retry-7"
        ).created

    # When the client's request and its retry arrive at once, one in April's last minute, one in May's first
    created = at_once(2, request, ready=lambda index: (APRIL_END, MAY_START)[index])

    # Then one message was made, and the other request was answered with it
    assert sorted(created) == [False, True]
    assert Message.objects.filter(idempotency_key="retry-7").count() == 1


@pytest.mark.django_db
def test_a_planned_actions_reference_to_a_message_that_is_gone_is_reported_as_dangling():
    reminded(due_in=3)
    plan_run(today=TODAY, now=MORNING_IN_NEW_YORK)
    plan_sends_dispatch(now=MORNING_IN_NEW_YORK)
    step = PlanAction.objects.get()
    assert step.message_id is not None
    assert partitions.references_dangling()["collections_app_planaction.message_id"] == 0

    with connection.cursor() as cursor:  # as dropping the message's month would, past the ORM
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [step.message_id])

    assert partitions.references_dangling()["collections_app_planaction.message_id"] == 1
    out = io.StringIO()
    with pytest.raises(CommandError, match="References point at rows that are gone"):
        call_command("partitions_ensure", "--check-references", stdout=out)
    assert "collections_app_planaction.message_id: 1 rows point at no row" in out.getvalue()


def plan(sql: str, params: Sequence[object]) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the tables are tiny here: ask whether an index serves
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_senders_and_the_callbacks_lookups_go_through_an_index_and_a_days_messages_read_only_its_month():
    partitions.partitions_ensure(through=APRIL_END.date())
    queued = Message.objects.filter(status="queued").order_by("created_at").values("id")[:100]
    by_provider = Message.objects.filter(provider="twilio", provider_message_id="SM1").values("id")

    assert "Seq Scan" not in plan(*queued.query.sql_with_params())
    assert "Seq Scan" not in plan(*by_provider.query.sql_with_params())
    assert "Seq Scan" not in plan(f"SELECT * FROM {TABLE} WHERE id = %s", [1])
    day = plan(
        f"SELECT id FROM {TABLE} WHERE created_at >= %s AND created_at < %s",
        [APRIL_END - dt.timedelta(hours=23), APRIL_END],
    )
    assert f"{TABLE}_y2026m04" in day
    assert f"{TABLE}_y2026m05" not in day and f"{TABLE}_default" not in day
