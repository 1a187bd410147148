"""The project's URLs plus ``bench/bare/``: the baseline that dial authorizations are compared with."""

from __future__ import annotations

from django.urls import path

from bench.bare import bare_dial
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/bare/", bare_dial), *project_urlpatterns]
