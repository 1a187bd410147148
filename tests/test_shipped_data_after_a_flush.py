"""A transactional test ends with Django's flush, which empties every table; what the migrations
ship is put back right after it (tests/shipped_data.py). A plain test that runs next in the same
process finds the shipped rows as the migrations left them: under pytest-xdist a worker runs the
next file's plain tests after one file's transactional tests, and they need the dispositions,
templates, SOPs and policies."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Borrower
from collections_app.models import DispositionCode, ExtensionSop, MessageTemplate, Strategy
from scheduling.models import ContactPolicy
from tests.factories import BorrowerFactory

flushed: list[str] = []


def shipped() -> dict[str, Any]:
    return {
        "dispositions": sorted(DispositionCode.objects.values_list("code", flat=True)),
        "templates": sorted(MessageTemplate.objects.values_list("code", "language", "version", "body")),
        "sops": sorted(ExtensionSop.objects.values_list("name", flat=True)),
        "strategies": sorted(Strategy.objects.values_list("name", flat=True)),
        "policies": sorted(ContactPolicy.objects.values_list("name", flat=True)),
    }


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_with_the_shipped_rows_and_its_flush_empties_every_table() -> None:
    found = shipped()
    assert all(found.values()), found
    call_command("flush", "--noinput")  # as a test that builds a fresh book does: the sequences restart at 1
    BorrowerFactory(external_id="FLUSHED-1")
    MessageTemplate.objects.all().delete()
    DispositionCode.objects.filter(code=found["dispositions"][0]).delete()
    flushed.append(repr(found))


def test_a_plain_test_after_the_flush_finds_the_shipped_rows_as_the_migrations_left_them(
    request: pytest.FixtureRequest,
) -> None:
    """Asks for ``db`` only when it runs: pytest-django then orders it after the transactional
    tests, as a plain test in the next file would run under xdist."""
    assert flushed, "the transactional test above runs first"
    request.getfixturevalue("db")

    assert repr(shipped()) == flushed[0]
    assert not Borrower.objects.filter(external_id="FLUSHED-1").exists()
    sop = ExtensionSop.objects.get()
    sop.pk = None
    sop.version, sop.active = sop.version + 1, False
    sop.save()
    assert ExtensionSop.objects.count() == 2
