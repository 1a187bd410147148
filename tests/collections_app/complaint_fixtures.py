"""Complaint categories and the default deadline policy as shipped (a flushed database needs them again)."""

from __future__ import annotations

import importlib

from django.apps import apps

from collections_app.models import ComplaintCategory


def complaint_presets_ensure() -> None:
    migration = importlib.import_module("collections_app.migrations.0017_complaint_presets")
    migration.ensure_defaults(apps, None)


def category(code: str) -> ComplaintCategory:
    complaint_presets_ensure()
    return ComplaintCategory.objects.get(code=code)
