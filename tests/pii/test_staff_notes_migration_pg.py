"""The notes staff type on a case (a promise's, a callback's, an extension's and its decision's, a
move's) are written back in clear when ``collections_app.0039`` and ``scheduling.0015`` are migrated
back, and encrypted again (in chunks, resumable) when they are migrated forward."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from collections_app.models import AssignmentRecord, ExtensionRequest, ExtensionSop, PromiseToPay
from scheduling.models import Callback
from tests.factories import UserFactory, make_open_cases

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("collections_app", "0038_idempotency_answers_encrypted"), ("scheduling", "0014_dispute_holds_per_debt")]
NOTES = {  # table, column: the note typed
    ("collections_app_promisetopay", "note"): "Pays from her cousin Leopold Ashdown's transfer",
    ("scheduling_callback", "note"): "Ring after six, her husband Thaddeus picks up before",
    ("collections_app_extensionrequest", "note"): "Lost her job at Pemberton Mills in March",
    ("collections_app_extensionrequest", "decision_reason"): "The Pemberton Mills letter confirms it",
    ("collections_app_assignmentrecord", "note"): "The agent Quintessa is her neighbour",
}


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("collections_app", "scheduling")]


def stored() -> dict[tuple[str, str], list[str]]:
    with connection.cursor() as cursor:
        found = {}
        for table, column in NOTES:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' ORDER BY id")  # noqa: S608
            found[table, column] = [value for (value,) in cursor.fetchall()]
        return found


def notes_written() -> None:
    case = make_open_cases([Decimal("300.00")])[0]
    now, today = timezone.now(), timezone.now().date()
    PromiseToPay.objects.create(
        case=case, account=case.account, made_on=today, amount=Decimal("100.00"), first_date=today,
        final_date=today, deadline=today + dt.timedelta(days=1), grace_days=0, kept_threshold=Decimal("1"),
        note=NOTES["collections_app_promisetopay", "note"],
    )  # fmt: skip
    Callback.objects.create(case=case, due_at=now, reason=Callback.Reason.AGENT, note=NOTES["scheduling_callback", "note"])
    ExtensionRequest.objects.create(
        case=case, account=case.account, sop=ExtensionSop.objects.filter(active=True).first(), bucket="M1",
        requested_by=UserFactory(), note=NOTES["collections_app_extensionrequest", "note"],
        decision_reason=NOTES["collections_app_extensionrequest", "decision_reason"],
    )  # fmt: skip
    AssignmentRecord.objects.create(
        case=case, reason=AssignmentRecord.Reason.MANUAL, note=NOTES["collections_app_assignmentrecord", "note"], at=now
    )


def test_the_notes_are_decrypted_on_the_way_back_and_encrypted_again_on_the_way_forward() -> None:
    forward = latest()
    notes_written()
    encrypted = stored()
    assert all(values and all(v.startswith("pii1:") for v in values) for values in encrypted.values())

    migrate(BEFORE)
    assert stored() == {key: [note] for key, note in NOTES.items()}

    migrate(forward)
    again = stored()
    assert all(len(values) == 1 and values[0].startswith("pii1:") for values in again.values())
    extension = ExtensionRequest.objects.get()
    assert (extension.note, extension.decision_reason) == (
        NOTES["collections_app_extensionrequest", "note"], NOTES["collections_app_extensionrequest", "decision_reason"]
    )
    assert PromiseToPay.objects.get().note == NOTES["collections_app_promisetopay", "note"]
    assert Callback.objects.get().note == NOTES["scheduling_callback", "note"]
    assert AssignmentRecord.objects.get(reason="manual").note == NOTES["collections_app_assignmentrecord", "note"]
