"""Admin of treatment strategies: a strategy with its segments; a segment with its arms and their plans.

Every change is audited with the state before and after. The arms of a segment must add up to 100%.
A strategy or segment whose accounts were already given arms is not deleted (the assignments and the
results read from them keep it); a change of shares never moves an account already assigned. The
assignments themselves are read-only here: the service records them, once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.services.audit import audit_record
from collections_app.models import Action, Arm, ArmAssignment, ChannelCost, Segment, Strategy

STRATEGY_FIELDS = ("code", "version", "name", "name_zh_hans", "active", "effective_from")
SEGMENT_FIELDS = (
    "strategy", "position", "code", "name", "name_zh_hans", "bucket", "dpd_min", "dpd_max", "days_to_due_min",
    "days_to_due_max", "product", "balance_min", "balance_max", "language", "country",
)  # fmt: skip
ARM_FIELDS = ("code", "kind", "name", "name_zh_hans", "share")
ACTION_FIELDS = (
    "arm", "day_offset", "every_day_after", "kind", "template_code", "channel", "priority", "stop_if_paid",
    "stop_if_promise_open", "stop_if_complaint", "stop_if_cease",
)  # fmt: skip


def _row(obj: Model, fields: tuple[str, ...]) -> dict[str, str]:
    return {name: str(getattr(obj, name + "_id" if name in ("strategy", "arm") else name)) for name in fields}


def _segment_state(segment: Segment) -> dict[str, Any]:
    return {
        **_row(segment, SEGMENT_FIELDS),
        "arms": [_row(arm, ARM_FIELDS) for arm in segment.arms.order_by("pk")],
        "actions": [_row(action, ACTION_FIELDS) for action in segment.actions.order_by("pk")],
    }


def _strategy_state(strategy: Strategy) -> dict[str, Any]:
    return {
        **_row(strategy, STRATEGY_FIELDS),
        "segments": [_row(segment, SEGMENT_FIELDS) for segment in strategy.segments.order_by("position")],
    }


class AuditedAdmin(admin.ModelAdmin):
    """Audit a save with its inlines (after them) and a delete, as ``<prefix>.create|change|delete``."""

    audit_prefix = ""

    def state(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        self._before = self.state(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        audit_record(
            action=f"{self.audit_prefix}.{'change' if change else 'create'}",
            obj=form.instance,
            actor=request.user,
            before=getattr(self, "_before", None),
            after=self.state(form.instance),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(action=f"{self.audit_prefix}.delete", obj=obj, actor=request.user, before=self.state(obj))
        super().delete_model(request, obj)


class SegmentInline(admin.TabularInline):
    model = Segment
    fields = ("position", "code", "name", "name_zh_hans", "bucket", "dpd_min", "dpd_max", "days_to_due_min",
              "days_to_due_max", "product", "language", "country")  # fmt: skip
    extra = 0
    show_change_link = True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.pk and obj.assignments.exists()) and super().has_delete_permission(
            request, obj
        )


@admin.register(Strategy)
class StrategyAdmin(AuditedAdmin):
    audit_prefix = "strategy"
    list_display = ("code", "version", "name", "name_zh_hans", "active", "effective_from")
    list_filter = ("active",)
    fields = STRATEGY_FIELDS
    inlines = [SegmentInline]

    def state(self, obj: Strategy) -> dict[str, Any]:
        return _strategy_state(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.assignments.exists()) and super().has_delete_permission(request, obj)


class ArmFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        total = sum((form.cleaned_data.get("share") or Decimal("0") for form in kept), Decimal("0"))
        if kept and total != Decimal("100"):
            raise forms.ValidationError(_("The shares of a segment's arms must add up to 100 (they add up to %(total)s).")
                                        % {"total": total})  # fmt: skip
        if kept and sum(form.cleaned_data.get("kind") == Arm.Kind.CHAMPION for form in kept) != 1:
            raise forms.ValidationError(_("A segment has one champion."))


class ArmInline(admin.TabularInline):
    model = Arm
    formset = ArmFormSet
    fields = ARM_FIELDS
    extra = 0

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.pk and obj.assignments.exists()) and super().has_delete_permission(
            request, obj
        )


class ActionInline(admin.TabularInline):
    model = Action
    fields = ACTION_FIELDS
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        arm = formset.form.base_fields["arm"]
        arm.queryset = obj.arms.all() if obj is not None else Arm.objects.none()  # type: ignore[attr-defined]
        return formset


@admin.register(Segment)
class SegmentAdmin(AuditedAdmin):
    audit_prefix = "segment"
    list_display = ("strategy", "position", "code", "name", "bucket", "dpd_min", "dpd_max", "days_to_due_min",
                    "days_to_due_max")  # fmt: skip
    list_select_related = ("strategy",)
    list_filter = ("strategy__active",)
    fields = SEGMENT_FIELDS
    inlines = [ArmInline, ActionInline]

    def state(self, obj: Segment) -> dict[str, Any]:
        return _segment_state(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.assignments.exists()) and super().has_delete_permission(request, obj)


@admin.register(ArmAssignment)
class ArmAssignmentAdmin(admin.ModelAdmin):
    list_display = ("account", "strategy", "segment", "arm", "assigned_at")
    list_select_related = ("account", "strategy", "segment", "arm")
    list_filter = ("strategy", "arm__kind")
    fields = ("account", "strategy", "segment", "arm", "assigned_at")
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChannelCost)
class ChannelCostAdmin(AuditedAdmin):
    """What a contact costs on each channel: the experiments' cost per account reads it."""

    audit_prefix = "channel_cost"
    list_display = ("channel", "unit_cost", "currency")
    fields = ("channel", "unit_cost", "currency")

    def state(self, obj: ChannelCost) -> dict[str, Any]:
        return {"channel": obj.channel, "unit_cost": str(obj.unit_cost), "currency": obj.currency}
