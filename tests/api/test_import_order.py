"""The API's modules import in any order: a process (or a test file run alone) that loads the API's
error handling before DRF's views must not fail to start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize("first", ["config.api", "collections_app.api.dialer.events", "collections_app.api.book.views"])
def test_a_module_of_the_api_imported_before_drfs_views_loads(first: str) -> None:
    probe = f"import django; django.setup(); import {first}; import rest_framework.views; print('loaded')"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("loaded")
