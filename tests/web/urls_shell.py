"""The web shell alone (no agent queue yet), so the tests of the start page do not depend on later screens."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from collections_app.urls import urlpatterns as collections_urls

SHELL_NAMES = {"home", "login", "logout", "portfolio"}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *(pattern for pattern in collections_urls if getattr(pattern, "name", None) in SHELL_NAMES),
]
