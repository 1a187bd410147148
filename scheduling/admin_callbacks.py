"""Admin for callbacks: read-only (they are scheduled, checked and closed through their services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scheduling.models import Callback


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ("id", "case", "agent", "due_at", "reason", "status", "created_by")
    list_filter = ("status", "reason")
    date_hierarchy = "due_at"
    list_select_related = ("case", "agent__user", "created_by")
    exclude = ("phone",)  # the number itself is personal data
    readonly_fields = (
        "case", "agent", "due_at", "reason", "status", "note", "promise", "checked_at", "check_reasons",
        "created_by", "created_at", "closed_at", "closed_by",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
