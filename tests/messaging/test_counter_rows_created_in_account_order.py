"""The batch paths (the planner's sends, ``attempts_many``) create a borrower's missing counter rows in
account-id order, the order every path locks them in. Two dispatchers run at once (PLAN_SENDS_DISPATCHERS):
an ``INSERT ... ON CONFLICT DO NOTHING`` waits on another transaction's uncommitted row of the same
account, so two batches inserting shared accounts in different orders could each wait on the other
(a deadlock, one batch rolled back)."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from collections_app.services.attempts_many import _counters_lock
from scheduling.models import DebtContactCounter
from tests.factories import BorrowerFactory, LoanFactory

pytestmark = pytest.mark.django_db


def test_missing_counter_rows_are_inserted_in_account_id_order() -> None:
    first, second = BorrowerFactory(), BorrowerFactory()
    # The later borrower owns the earlier accounts, and the earliest account's row is rewritten last:
    # neither the borrower index nor the table's physical order reads the accounts in id order.
    early = [LoanFactory(borrower=second) for _ in range(3)]
    late = [LoanFactory(borrower=first) for _ in range(3)]
    early[0].principal += 1
    early[0].save()
    wanted = sorted(a.pk for a in early + late)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _counters_lock({first.pk, second.pk})

    insert = next(
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT") and "counter" in q["sql"]
    )
    table = re.escape(DebtContactCounter._meta.db_table)
    assert re.search(table, insert)
    values = insert[insert.index(" VALUES ") if " VALUES " in insert else insert.index("UNNEST") :]
    inserted = [int(n) for n in re.findall(r"\b(\d+)\b", values) if int(n) in set(wanted)]
    assert inserted == wanted
    assert sorted(DebtContactCounter.objects.values_list("pk", flat=True)) == wanted
