"""Test settings: the same settings with a fast password hasher and in-memory email."""

from __future__ import annotations

from .settings import *  # noqa: F403
from .settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Tests run tasks in-process, even with a broker configured (CI sets CELERY_BROKER_URL): a task
# sent with no worker listening would wait forever. Tests that prove the real worker use the
# ``celery_worker_process`` fixture, which turns eager mode off for their duration.
CELERY_TASK_ALWAYS_EAGER = True
EMBEDDED_SCHEDULER = False  # tests start the embedded scheduler themselves
