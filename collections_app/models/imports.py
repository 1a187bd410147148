"""Large loan tapes loaded in the background: the job, its progress and its answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.pii import EncryptedTextField


class BookImportJob(models.Model):
    """A loan tape too large to load within a request (``BOOK_IMPORT_JOB_BYTES``), loaded by a task.

    The tape is kept (``body``) until the task has run, then cleared. ``result`` is the answer the
    synchronous import gives (the id map and counts), or ``error`` its error body (refusals keyed by
    row; nothing was written). Only the user (or integration) that sent it may read it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused, nothing written")
        FAILED = "failed", _("Failed, nothing written")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="book_import_jobs"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    body = EncryptedTextField(_("tape"), blank=True)  # personal data until the task clears it
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    result = models.JSONField(_("answer"), null=True, blank=True)
    error = models.JSONField(_("refusal"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="bookjob_by_user")]

    def __str__(self) -> str:
        return f"book import #{self.pk} ({self.status})"
