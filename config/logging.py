"""Logging: JSON lines (or plain text in development), the request and task context, and no personal data.

Every process (gunicorn, Celery worker, beat, management commands) logs through one handler on
stderr, configured by ``logging_config()`` from ``LOG_FORMAT`` and ``LOG_LEVEL``:

- ``json``: one JSON object per line: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
  then the record's extra fields (``request_id``, ``user_id``, ``path``, ``status``,
  ``duration_ms`` for requests; ``task_name``, ``task_id`` inside Celery tasks) and ``exc`` with
  the traceback of an exception.
- ``plain``: ``time level logger message``, for a developer's terminal.

Before any formatter runs, ``PiiFilter`` rewrites the record: E.164 phone numbers, e-mail
addresses and national id numbers in the message, the extra fields and the traceback are
replaced by a placeholder (URL paths segment by segment, decoded, where a phone number without
"+" counts too), and extra fields named like personal data (``phone``, ``email``,
``name``...) are dropped to a placeholder whatever they hold. A name in free text cannot be
recognised: code logs ids, never names (DESIGN.md 11: logs never hold personal data).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from typing import Any
from urllib.parse import unquote

from celery._state import get_current_task  # as celery.utils.log.TaskFormatter finds the task

# The id of the HTTP request being served, set by config.middleware.RequestLogMiddleware.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# An E.164 number: "+", then 8 to 15 digits, possibly written with spaces, dots, dashes or brackets.
PHONE_RE = re.compile(r"(?<![\w+])\+(?:[\s().-]{0,2}\d){8,15}(?![\d])")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# National ids: a Chinese resident id (17 digits and a check digit or X), a US social security number.
NATIONAL_ID_RE = re.compile(r"(?<![\w])(?:\d{17}[\dXx]|\d{3}-\d{2}-\d{4})(?![\w])")
SENSITIVE_KEYS = frozenset(
    {
        "phone", "phone_number", "number", "e164", "msisdn", "email", "national_id", "first_name", "last_name",
        "full_name", "borrower_name", "username", "address", "date_of_birth",
    }
)  # fmt: skip
REDACTED = "[redacted]"

# The attributes every LogRecord has; anything else on a record came in through ``extra``.
RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


# A URL path in a message ("GET /api/v1/dialer/calls/+14082254000/result/ 404", "Not Found: /x/"):
# a "/" not inside a word or a longer path, then segments of the characters a path holds. Django
# logs paths decoded, so a segment closed by "/" may hold single spaces ("/calls/(408) 225-4000/").
_SEGMENT = r"[\w%+@.()~:=!$&'*-]"
PATH_RE = re.compile(rf"(?<![\w/.])/(?:{_SEGMENT}+(?: {_SEGMENT}+)*/)*{_SEGMENT}*")
# A path segment that is a phone number written without "+": 10 to 15 digits, possibly grouped
# ("14082254000", "408-225-4000", "(408) 225-4000"). Ids in our paths are shorter; one that is not
# loses its digits in the log, which is the safe way to be wrong.
SEGMENT_PHONE_RE = re.compile(r"^[(]?\d(?:[\s().-]{0,2}\d){9,14}$")


def _redact_text(text: str) -> str:
    if "@" in text:  # a substring test is far cheaper than a regular expression's scan
        text = EMAIL_RE.sub("[email]", text)
    if "+" in text:
        text = PHONE_RE.sub("[phone]", text)
    if len(text) >= 11:
        text = NATIONAL_ID_RE.sub("[national-id]", text)
    return text


def redact_path(path: str) -> str:
    """A URL path with every segment holding personal data replaced, percent-encoded or not.

    Each segment is read decoded (``%2B14082254000``, ``a%40b.example``) and judged like a message,
    and a segment that is a phone number without its "+" is a phone number too.
    """
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if not segment:
            continue
        decoded = unquote(segment) if "%" in segment else segment
        redacted = _redact_text(decoded)
        if redacted != decoded:
            segments[index] = redacted
        elif SEGMENT_PHONE_RE.match(decoded):
            segments[index] = "[phone]"
    return "/".join(segments)


def redact(text: str) -> str:
    """``text`` with phone numbers, e-mail addresses and national ids replaced by placeholders.

    URL paths in it are judged segment by segment (``redact_path``): a request line or a "Not
    Found: /path" names a phone number without "+", or percent-encoded, more often than prose does.
    """
    text = _redact_text(text)
    if "/" in text:
        text = PATH_RE.sub(lambda match: redact_path(match.group()), text)
    return text


def redact_value(value: Any, key: str = "") -> Any:
    if value is None:
        return value
    if key.lower() in SENSITIVE_KEYS and value != "":
        return REDACTED
    if isinstance(value, int | float | bool):
        return value
    if hasattr(value, "META") and hasattr(
        value, "path"
    ):  # django.request's request: its repr shows the query
        return redact(f"{getattr(value, 'method', '')} {value.path}")
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items() if key not in RECORD_ATTRIBUTES}


class PiiFilter(logging.Filter):
    """Redacts personal data from the message, the extra fields and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call must neither raise nor print its arguments
            message = f"unformattable log message at {record.pathname}:{record.lineno}"
        record.msg, record.args = redact(message), None
        fields = record.__dict__
        for key in fields.keys() - RECORD_ATTRIBUTES:
            fields[key] = redact_value(fields[key], key)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ContextFilter(logging.Filter):
    """Adds the request id of the request being served and the name and id of the Celery task running."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        task = current_celery_task()
        if task is not None and not hasattr(record, "task_name"):
            record.task_name = task.name
            record.task_id = task.request.id
        return True


def current_celery_task() -> Any:
    """The Celery task running in this thread (in a worker, or eagerly in-process), or None."""
    task = get_current_task()
    if task is None or task.request.id is None:
        return None
    return task


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the extra fields, exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: one stderr handler with the context and PII filters, in ``log_format``."""
    if log_format not in {"json", "plain"}:
        raise RuntimeError(f"LOG_FORMAT must be json or plain, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "config.logging.ContextFilter"},
            "pii": {"()": "config.logging.PiiFilter"},
        },
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context", "pii"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler would print a second, unfiltered line: everything goes to root.
            "django": {"handlers": [], "level": level, "propagate": True},
            # runserver's access line repeats the request line with the query string's values.
            "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }
