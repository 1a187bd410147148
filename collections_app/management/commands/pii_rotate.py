"""``manage.py pii_rotate``: every personal value re-encrypted under the current key (the first of
``PII_ENCRYPTION_KEYS``), table by table in chunks by id, each chunk committed on its own.

Stopped midway, run it again: values already under the current key are skipped. The application
keeps running meanwhile (it writes under the current key; a row it changed between our read and our
write is left as it wrote it). Passes repeat until one finds nothing left under an older key; then
the older key can leave the ring. ``--new-key ID`` prints a fresh key entry to put first.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from config import pii, pii_rewrite

MAX_PASSES = 5


class Command(BaseCommand):
    help = "Re-encrypt every personal field under the current key of PII_ENCRYPTION_KEYS (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=5000, help="Rows per committed chunk (default 5000).")
        parser.add_argument("--new-key", metavar="ID", help="Print a fresh key entry ID:base64 and do nothing else.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            try:
                self.stdout.write(pii.new_key_spec(options["new_key"]))
            except pii.PiiKeyError as error:
                raise CommandError(str(error)) from error
            return
        if options["chunk"] < 1:
            raise CommandError("--chunk is at least 1")
        current = pii.ring().current
        tables = pii_rewrite.encrypted_columns()
        self.stdout.write(f"Re-encrypting under key {current!r}: {', '.join(sorted(tables))}")
        started = time.monotonic()
        for passes in range(1, MAX_PASSES + 1):
            rewritten = sum(self._table(table, columns, options["chunk"]) for table, columns in sorted(tables.items()))
            if not rewritten:
                break
            self.stdout.write(f"pass {passes}: {rewritten} rows re-encrypted; checking again")
        else:
            raise CommandError(f"values under older keys remain after {MAX_PASSES} passes: run it again")
        self.stdout.write(
            self.style.SUCCESS(f"Every personal value is under key {current!r} ({time.monotonic() - started:.1f} s).")
        )

    def _table(self, table: str, columns: list[str], chunk: int) -> int:
        started = time.monotonic()
        shown = [0.0]

        def say(progress: pii_rewrite.Progress) -> None:
            now = time.monotonic()
            if now - shown[0] >= 2:
                shown[0] = now
                self.stdout.write(
                    f"  {table}: {progress.scanned} rows read, {progress.rewritten} re-encrypted ({now - started:.1f} s)"
                )

        try:
            progress = pii_rewrite.reencrypt_table(connection, table, columns, chunk=chunk, say=say)
        except pii.PiiKeyError as error:
            raise CommandError(f"{table}: {error}") from error
        self.stdout.write(
            f"  {table}: {progress.scanned} rows read, {progress.rewritten} re-encrypted "
            f"({time.monotonic() - started:.1f} s)"
        )
        return progress.rewritten
