"""Test settings: the same settings with a fast password hasher and in-memory email."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_URL_VARIABLES = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
REDIS_DATABASES = 16  # Redis's default (``databases`` in redis.conf)


def redis_db_of_xdist_worker(url: str, *, worker: str, dbs: str = "") -> str:
    """``url`` moved to the Redis database of pytest-xdist worker ``worker`` (``gw0``, ``gw1``, ...).

    Each worker has a test database of its own (pytest-django) and must have its Redis of its own
    too: the broker's queues and unacknowledged tasks, the cache (rate-limit counters, the worker
    heartbeat, the breaker) and ``cache.clear()`` would otherwise be shared between tests running at
    the same time. Worker ``gwN`` takes the N-th number of ``TEST_REDIS_DBS`` (comma-separated) when
    it is set, else the URL's database plus N, which must be one of Redis's 16 databases (0-15; past
    them Redis refuses to select it): else name them in ``TEST_REDIS_DBS``. Not a Redis URL: unchanged.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not worker.startswith("gw"):
        return url
    index = int(worker[2:])
    chosen = [int(n) for n in dbs.split(",") if n.strip()]
    if chosen:
        if index >= len(chosen):
            raise RuntimeError(f"TEST_REDIS_DBS names {len(chosen)} Redis databases; xdist worker {worker} needs one")
        db = chosen[index]
    else:
        db = int(parts.path.strip("/") or 0) + index
        if db >= REDIS_DATABASES:
            raise RuntimeError(
                f"xdist worker {worker} of {url} would use Redis database {db}, past Redis's {REDIS_DATABASES}: "
                "name a database for each worker in TEST_REDIS_DBS (CI_TEST_REDIS_DBS for .ci/run)"
            )
    return urlunsplit(parts._replace(path=f"/{db}"))


# Set in the environment before the settings read it, so that the Celery worker processes and the
# servers a test starts (they inherit the environment) use the same Redis database as their test.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in REDIS_URL_VARIABLES:
        if os.environ.get(_name):
            os.environ[_name] = redis_db_of_xdist_worker(
                os.environ[_name], worker=os.environ["PYTEST_XDIST_WORKER"], dbs=os.environ.get("TEST_REDIS_DBS", "")
            )

from .settings import *  # noqa: E402, F403
from .settings import DATABASES  # noqa: E402

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
