"""The Celery app. Without CELERY_BROKER_URL, settings make every task run eagerly in-process."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("collections_workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def logging_setup(loglevel: int | str | None = None, **kwargs: Any) -> None:
    """Workers and beat log like the web processes (Django's ``LOGGING``: JSON lines, PII redacted).

    Connecting this signal keeps Celery from installing its own handlers. The level is ``LOG_LEVEL``
    when it is set, else the command line's ``-l``.
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if not os.environ.get("LOG_LEVEL") and loglevel:
        logging.getLogger().setLevel(loglevel)
