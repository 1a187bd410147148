"""The WSGI module leaves its process with the application loaded out of the collector's reach."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from config.warm import GC_THRESHOLDS


@pytest.mark.parametrize("module", ["config.wsgi", "bench.wsgi"])
def test_the_wsgi_module_freezes_what_it_loaded_and_raises_the_thresholds(module: str) -> None:
    probe = (
        f"import gc, json, sys; import {module}; "
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold(), 'collections_app.api.dialer.call_list' in sys.modules]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module.replace("wsgi", "settings")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    frozen, thresholds, views_loaded = json.loads(done.stdout.splitlines()[-1])
    assert frozen > 50_000  # the app's modules, models and URL patterns
    assert tuple(thresholds) == GC_THRESHOLDS
    assert views_loaded  # the URL configuration was imported before the freeze
