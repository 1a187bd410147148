"""Settings of the server under benchmark: the project's own, plus the bare baseline view's URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
