"""Shared by ``import_book`` and ``import_payments``: reading the file, printing refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from config.errors import DomainError


def file_read(path: str) -> tuple[str, str]:
    """The file's kind (``json`` or ``csv``, from its extension) and its text."""
    file = Path(path)
    kind = file.suffix.lower().lstrip(".")
    if kind not in ("json", "csv"):
        raise CommandError(_("%(path)s: give a .json or a .csv file.") % {"path": path})
    try:
        return kind, file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(
            _("%(path)s: cannot be read (%(why)s).") % {"path": path, "why": exc.strerror}
        ) from exc
    except UnicodeDecodeError as exc:
        raise CommandError(_("%(path)s: not UTF-8 text.") % {"path": path}) from exc


def json_decode(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except RecursionError as exc:
        raise CommandError(_("%(path)s: not valid JSON (nested too deeply).") % {"path": path}) from exc


def refusal(path: str, error: DomainError) -> CommandError:
    """One line per problem, ``<row or path>.<field>: <reason>``, under the refusal message."""
    lines = [f"{path}: {error.message}"]
    lines += [f"  {key}: {reason}" for key, reasons in error.errors.items() for reason in reasons]
    return CommandError("\n".join(lines))


def database_refusal(path: str, error: DatabaseError) -> CommandError:
    """The database refused a row in the middle of the batch: the batch's one transaction rolled back."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return CommandError(
        _("%(path)s: the database refused the batch (%(reason)s); nothing was written.")
        % {"path": path, "reason": reason}
    )
