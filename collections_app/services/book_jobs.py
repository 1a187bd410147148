"""Loan tapes too large for a request, loaded in the background with the synchronous import's answer.

``POST /api/v1/book/import/`` takes a tape over ``BOOK_IMPORT_JOB_BYTES`` as a ``BookImportJob``
(``book_import_job_create``) and queues ``book_import_job_task`` once the job is committed; the task
calls ``book_import_job_run``, which loads the tape with ``book_import_crediting`` (all or nothing,
the same validation and writes) and stores its answer: the id map and counts, or the refusal body
naming every bad row (and then nothing was written). ``rows_done`` stays 0 until the one
transaction commits: an all-or-nothing import has no rows done before then.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.models import BookImportJob
from collections_app.services.book import book_import_crediting
from config.errors import DomainError

TOP_LEVEL_ROWS = ("borrowers", "loans", "payments")


def book_import_job_create(*, body: str, requested_by: User) -> BookImportJob:
    """Keep the tape as a queued job. The caller queues the task after commit (``book_import_job_queue``)."""
    return BookImportJob.objects.create(
        requested_by=requested_by, body=body, size_bytes=len(body.encode("utf-8"))
    )


def _rows(data: Any) -> int:
    """Borrowers, loans and payments of a decoded tape (what ``rows_total`` counts)."""
    if not isinstance(data, Mapping):
        return 0
    return sum(len(data[key]) for key in TOP_LEVEL_ROWS if isinstance(data.get(key), list))


def _finish(job: BookImportJob, **fields: Any) -> None:
    fields = {**fields, "body": "", "finished_at": timezone.now()}
    BookImportJob.objects.filter(pk=job.pk).update(**fields)


def book_import_job_run(*, job_id: int) -> str | None:
    """Load a queued job's tape, all or nothing, and store the answer. Returns the job's final status.

    Claims the job (queued -> running) with a conditional update, so running it twice loads it once
    (the second run returns None). The database going away puts the job back in the queue and is
    raised (the task retries); any other error marks it failed, nothing written, and is raised.
    """
    claimed = BookImportJob.objects.filter(pk=job_id, status=BookImportJob.Status.QUEUED).update(
        status=BookImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = BookImportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        data = json.loads(job.body)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = (
            f" (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        error = {"message": _("JSON parse error") + detail, "errors": {}, "code": "parse_error"}
        _finish(job, status=BookImportJob.Status.REFUSED, error=error, rows_total=0)
        return BookImportJob.Status.REFUSED
    job.body = ""  # the decoded tape is all the import needs: let the text go
    total = _rows(data)
    BookImportJob.objects.filter(pk=job.pk).update(rows_total=total)
    try:
        result = book_import_crediting(data=data, actor=job.requested_by)
    except DomainError as refusal:
        _finish(job, status=BookImportJob.Status.REFUSED, error=refusal.as_body())
        return BookImportJob.Status.REFUSED
    except (OperationalError, InterfaceError):
        BookImportJob.objects.filter(pk=job.pk).update(status=BookImportJob.Status.QUEUED, started_at=None)
        raise
    except Exception:
        error = {
            "message": _("The import failed; nothing was written."),
            "errors": {},
            "code": "server_error",
        }
        _finish(job, status=BookImportJob.Status.FAILED, error=error)
        raise
    _finish(job, status=BookImportJob.Status.DONE, result=result.as_dict(), rows_done=total)
    return BookImportJob.Status.DONE
