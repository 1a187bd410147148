"""``manage.py import_payments FILE``: post payments from a JSON list or a CSV, idempotent by external id."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from collections_app.management.commands._import_io import database_refusal, file_read, json_decode, refusal
from collections_app.services.book import payments_import_crediting
from config.errors import DomainError


class Command(BaseCommand):
    help = (
        "Post payments from a JSON list of objects or a CSV with the columns external_id, loan, amount, "
        "received_at, channel. All or nothing; a payment already posted with the same values is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .json (a list of payments) or .csv file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        kind, text = file_read(path)
        try:
            if kind == "csv":
                posted = payments_import_crediting(csv_text=text, actor_label="import_payments")
            else:
                rows = json_decode(path, text)
                if not isinstance(rows, list):
                    raise CommandError(_("%(path)s: expected a JSON list of payments.") % {"path": path})
                posted = payments_import_crediting(rows=rows, actor_label="import_payments")
        except DomainError as error:
            raise refusal(path, error) from error
        except DatabaseError as error:
            raise database_refusal(path, error) from error
        created = sum(1 for _payment, is_new in posted if is_new)
        counts = {"created": created, "replayed": len(posted) - created}
        self.stdout.write(_("payments: %(created)d created, %(replayed)d already posted") % counts)
        self.stdout.write(self.style.SUCCESS(_("%(path)s: imported.") % {"path": path}))
