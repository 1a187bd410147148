"""Django admin for the book's configuration and records. What the nightly jobs derive is read-only.

Borrowers, phones, loans and payments are shown by ``collections_app.admin.book``: who sees which
of them is a matter of who works which case. Every change made here is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    AuditEntry,
    Bucket,
    CobRun,
    PiiReveal,
)
from accounts.services.audit import audit_record

admin.site.site_header = _("Collections Workbench administration")
admin.site.site_title = _("Collections Workbench")
admin.site.index_title = _("Configuration and the book")


def _json_safe(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal | dt.date | dt.datetime):
        return str(value)
    return value


class AuditedAdmin(admin.ModelAdmin):
    """Records every change saved through the admin (changed fields, before and after).

    Only fields that are not personal data are editable in this module, so values may be logged.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        fields = form.changed_data if change else list(form.fields)
        audit_record(
            action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}",
            obj=obj,
            actor=request.user,
            before={name: _json_safe(form.initial.get(name)) for name in fields} if change else None,
            after={name: _json_safe(form.cleaned_data.get(name)) for name in fields},
            reason=gettext("Changed in the admin"),
        )


class ReadOnlyAdminMixin:
    """A view-only admin: what is shown here is written by services and jobs only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoAddDeleteMixin:
    """Rows that come from the core system: editable in part, never added or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def bucket_ranges_problems(ranges: list[tuple[str, int, int | None]]) -> list[str]:
    """What is wrong with a set of bucket ranges ``(code, min_dpd, max_dpd or None)``: every DPD from 0 up
    must fall in exactly one bucket, and only the last bucket may be open-ended."""
    problems: list[str] = []
    ordered = sorted(ranges, key=lambda item: item[1])
    if not ordered:
        return [gettext("There must be at least one bucket.")]
    if ordered[0][1] != 0:
        problems.append(gettext("No bucket covers DPD 0 to %(to)s.") % {"to": ordered[0][1] - 1})
    for (code, _low, high), (next_code, next_low, _next_high) in zip(ordered, ordered[1:], strict=False):
        if high is None:
            problems.append(
                gettext("%(code)s has no upper bound, so it overlaps %(next)s.") % {"code": code, "next": next_code}
            )
        elif next_low <= high:
            problems.append(gettext("%(code)s and %(next)s overlap.") % {"code": code, "next": next_code})
        elif next_low > high + 1:
            problems.append(
                gettext("No bucket covers DPD %(from)s to %(to)s.") % {"from": high + 1, "to": next_low - 1}
            )
    last_code, _first, last_high = ordered[-1]
    if last_high is not None:
        problems.append(
            gettext("No bucket covers DPD over %(dpd)s: leave the upper bound of %(code)s empty.")
            % {"dpd": last_high, "code": last_code}
        )
    return problems


class BucketForm(forms.ModelForm):
    class Meta:
        model = Bucket
        fields = ("code", "label", "min_dpd", "max_dpd", "position")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        others = Bucket.objects.exclude(pk=self.instance.pk).values_list("code", "min_dpd", "max_dpd")
        ranges = [*others, (cleaned["code"], cleaned["min_dpd"], cleaned.get("max_dpd"))]
        if problems := bucket_ranges_problems(ranges):
            raise ValidationError(problems)
        return cleaned


class BucketChangelistFormSet(BaseModelFormSet):
    """Editing the boundaries in the list saves them together, so a move of a boundary is one step."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        edited = {form.instance.pk: form for form in self.forms}
        ranges = [
            (code, min_dpd, max_dpd)
            for pk, code, min_dpd, max_dpd in Bucket.objects.values_list("pk", "code", "min_dpd", "max_dpd")
            if pk not in edited
        ]
        ranges += [
            (form.instance.code, form.cleaned_data["min_dpd"], form.cleaned_data.get("max_dpd")) for form in self.forms
        ]
        if problems := bucket_ranges_problems(ranges):
            raise ValidationError(problems)


@admin.register(Bucket)
class BucketAdmin(AuditedAdmin):
    form = BucketForm
    list_display = ("code", "label", "min_dpd", "max_dpd", "position")
    list_display_links = ("code",)
    list_editable = ("label", "min_dpd", "max_dpd")

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        return super().get_changelist_formset(request, formset=BucketChangelistFormSet, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a bucket would leave DPD uncovered: change the boundaries instead.
        return False


@admin.register(CobRun)
class CobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "status", "accounts", "delinquent", "transitions", "seconds", "worker", "started_at",
                    "finished_at")
    list_filter = ("status",)
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=actor_label")
    show_full_result_count = False
    fields = ("at", "actor", "actor_label", "action", "object_type", "object_id", "before", "after", "reason")


@admin.register(PiiReveal)
class PiiRevealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("revealed_at", "user", "borrower", "field", "reason")
    list_select_related = ("user", "borrower")
    list_filter = ("field",)
    search_fields = ("=borrower__external_id", "=user__username")
