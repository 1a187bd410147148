"""``manage.py import_book FILE``: load borrowers, phones, loans, schedules (and payments) from a tape."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from accounts.services.book_import import TABLES
from collections_app.management.commands._import_io import database_refusal, file_read, json_decode, refusal
from collections_app.services.book import book_import_crediting
from config.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import a loan tape: JSON (borrowers, loans with installments, payments) or CSV (one row per "
        "installment). All or nothing: a bad row is reported with its row, field and reason and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .json or .csv loan tape.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        kind, text = file_read(path)
        try:
            if kind == "csv":
                result = book_import_crediting(csv_text=text, actor_label="import_book")
            else:
                result = book_import_crediting(data=json_decode(path, text), actor_label="import_book")
        except DomainError as error:
            raise refusal(path, error) from error
        except DatabaseError as error:
            raise database_refusal(path, error) from error
        for table in TABLES:
            counts = {"table": table, "created": result.created[table], "updated": result.updated[table]}
            self.stdout.write(_("%(table)s: %(created)d created, %(updated)d updated") % counts)
        self.stdout.write(self.style.SUCCESS(_("%(path)s: imported.") % {"path": path}))
