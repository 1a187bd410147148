"""Admin for extension SOPs: saving a change makes a new version; requests and waivers are read-only.

The edited form is saved as a new row (version + 1, the previous version deactivated) with its
steps and authority rows copied from the inlines as submitted, so requests keep the version they
were made under. Requests change only through ``collections_app.services.extensions``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from accounts.services.audit import audit_record
from collections_app.models import (
    ExtensionAuthority,
    ExtensionRequest,
    ExtensionSop,
    ExtensionSopStep,
    ExtensionWaiver,
)


class StepInline(admin.TabularInline):
    model = ExtensionSopStep
    extra = 0


class AuthorityInline(admin.TabularInline):
    model = ExtensionAuthority
    extra = 0


@admin.register(ExtensionSop)
class ExtensionSopAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "active", "buckets", "max_extension_days", "max_penalty_waiver", "created_at")
    list_filter = ("active",)
    readonly_fields = ("version", "active", "created_at", "created_by")
    inlines = [StepInline, AuthorityInline]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: ExtensionSop, form: forms.ModelForm, change: bool) -> None:
        obj.created_by = request.user  # type: ignore[assignment]
        if not change:
            super().save_model(request, obj, form, change)
            audit_record(action="extension_sop.create", obj=obj, actor=request.user, after={"version": obj.version})
            return
        previous = obj.pk
        latest = ExtensionSop.objects.filter(name=obj.name).aggregate(v=Max("version"))["v"] or 0
        ExtensionSop.objects.filter(name=obj.name, active=True).update(active=False)
        ExtensionSop.objects.filter(pk=previous).update(active=False)
        obj.pk = None
        obj._state.adding = True
        obj.version = latest + 1
        obj.active = True
        obj.save()
        obj._previous_version_pk = previous  # type: ignore[attr-defined]
        audit_record(
            action="extension_sop.version", obj=obj, actor=request.user,
            before={"sop": previous}, after={"sop": obj.pk, "version": obj.version},
        )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        form.save_m2m()
        obj: ExtensionSop = form.instance
        if not hasattr(obj, "_previous_version_pk"):
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)
            return
        # A new version: copy every kept row of the inlines (as edited) onto it.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            deleted = set(map(id, formset.deleted_forms))
            for inline_form in formset.forms:
                if id(inline_form) in deleted or not inline_form.is_valid():
                    continue
                row = inline_form.instance
                if row.pk is None and not inline_form.has_changed():
                    continue
                row.pk = None
                row._state.adding = True
                row.sop = obj
                row.save()

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("created_by")


class WaiverInline(admin.TabularInline):
    model = ExtensionWaiver
    extra = 0
    can_delete = False
    readonly_fields = ("installment", "component", "amount", "posted_at", "value_date")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "account", "sop", "status", "days_deferred", "penalty_waived", "interest_waived", "applied_at")
    list_filter = ("status", "flag_repeated", "flag_third_party")
    search_fields = ("account__external_id",)
    list_select_related = ("account", "sop")
    inlines = [WaiverInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
