"""Admin for call quality review: scorecards and their items are data, every change audited.

A scorecard is made active here; saving one as active deactivates the one active before (one at a
time: the weekly sample reviews on it). Once a call was reviewed on a scorecard its items are frozen
(a review keeps the scorecard it was scored on): a change is a new scorecard.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.services.audit import audit_record
from collections_app.models import Scorecard, ScorecardItem

SCORECARD_FIELDS = ("code", "name", "is_active", "sample_percent", "pass_mark")
ITEM_FIELDS = ("position", "code", "label", "weight", "critical")


def _frozen(obj: Scorecard | None) -> bool:
    return obj is not None and obj.pk is not None and obj.reviews.exists()


class ScorecardItemInline(admin.TabularInline):
    model = ScorecardItem
    fields = ITEM_FIELDS
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


class ScorecardForm(forms.ModelForm):
    class Meta:
        model = Scorecard
        fields = SCORECARD_FIELDS

    def _get_validation_exclusions(self) -> set[str]:
        # One active scorecard: saving this one active deactivates the other first (``save_model``), so the
        # form does not refuse it for the constraint; the database still holds it.
        return {*super()._get_validation_exclusions(), "is_active"}  # type: ignore[misc]


def _state(scorecard: Scorecard) -> dict[str, Any]:
    return {
        **{name: str(getattr(scorecard, name)) for name in SCORECARD_FIELDS},
        "items": [
            {name: str(getattr(item, name)) for name in ITEM_FIELDS} for item in scorecard.items.order_by("position", "pk")
        ],
    }


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active", "sample_percent", "pass_mark", "item_count")
    form = ScorecardForm
    fields = SCORECARD_FIELDS
    inlines = [ScorecardItemInline]

    @admin.display(description=_("items"))
    def item_count(self, obj: Scorecard) -> int:
        return obj.items.count()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Scorecard, form: forms.ModelForm, change: bool) -> None:
        if obj.is_active:
            for previous in Scorecard.objects.filter(is_active=True).exclude(pk=obj.pk):
                previous.is_active = False
                previous.save(update_fields=["is_active"])
                audit_record(
                    action="scorecard.deactivate", obj=previous, actor=request.user, reason=f"{obj.code} made active"
                )
        self._before = _state(Scorecard.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        audit_record(
            action=f"scorecard.{'change' if change else 'create'}",
            obj=form.instance,
            actor=request.user,
            before=getattr(self, "_before", None),
            after=_state(form.instance),
        )

    def delete_model(self, request: HttpRequest, obj: Scorecard) -> None:
        audit_record(action="scorecard.delete", obj=obj, actor=request.user, before=_state(obj))
        super().delete_model(request, obj)
