"""Admin for promises: the promise policy is data an administrator changes (audited); promises are read-only.

Promises are recorded, cancelled and settled only through their services, so every change is
audited and matched to payments.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from accounts.services.audit import audit_record
from collections_app.models import PromisePart, PromisePolicy, PromiseToPay

POLICY_FIELDS = ("bucket", "max_days_ahead", "plan_max_days_ahead", "max_parts", "min_share", "grace_days", "kept_threshold")


@admin.register(PromisePolicy)
class PromisePolicyAdmin(admin.ModelAdmin):
    list_display = POLICY_FIELDS
    fields = POLICY_FIELDS

    def save_model(self, request: HttpRequest, obj: PromisePolicy, form: forms.ModelForm, change: bool) -> None:
        before = None
        if change:
            old = PromisePolicy.objects.get(pk=obj.pk)
            before = {name: str(getattr(old, name)) for name in POLICY_FIELDS}
        super().save_model(request, obj, form, change)
        audit_record(
            action="promise_policy.change" if change else "promise_policy.create",
            obj=obj,
            actor=request.user,
            before=before,
            after={name: str(getattr(obj, name)) for name in POLICY_FIELDS},
        )

    def delete_model(self, request: HttpRequest, obj: PromisePolicy) -> None:
        audit_record(
            action="promise_policy.delete",
            obj=obj,
            actor=request.user,
            before={name: str(getattr(obj, name)) for name in POLICY_FIELDS},
        )
        super().delete_model(request, obj)


class PromisePartInline(admin.TabularInline):
    model = PromisePart
    extra = 0
    can_delete = False
    fields = ("seq", "due_date", "amount", "deadline", "received_amount", "status", "settled_on")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PromiseToPay)
class PromiseToPayAdmin(admin.ModelAdmin):
    list_display = ("id", "case", "agent", "source", "amount", "final_date", "received_amount", "status", "settled_on")
    list_filter = ("status", "source")
    date_hierarchy = "made_on"
    list_select_related = ("case", "agent__user")
    inlines = [PromisePartInline]
    readonly_fields = (
        "case", "account", "agent", "created_by", "source", "attempt", "made_on", "amount", "first_date",
        "final_date", "deadline", "grace_days", "kept_threshold", "received_amount", "status", "settled_on",
        "follow_up_at", "note", "created_at", "updated_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
