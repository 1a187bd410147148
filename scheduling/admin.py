"""Django admin for contact policies, their assignments and borrowers' contact preferences.

Saving a changed policy never edits it: it makes the next version (``policy_revise``), in force
from the date given (or now), and keeps the old one for the attempts it allowed. Turning a
version on or off is the one change made in place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.services.audit import audit_record
from scheduling.engine.policies import policies_changed
from scheduling.models import Callback, ChannelRule, ContactPolicy, ContactPreference, PolicyAssignment
from scheduling.services.policies import POLICY_FIELDS, RULE_FIELDS, policy_revise
from scheduling.services.preferences import PREFERENCE_FIELDS, preference_update


class ChannelRuleInline(admin.StackedInline):
    model = ChannelRule
    extra = 0
    fields = ("channel", *RULE_FIELDS)


def _rule_changes(formsets: list[BaseFormSet]) -> dict[str, dict[str, Any] | None]:
    """What the rule forms changed, per channel: the fields, or None for a rule dropped."""
    changes: dict[str, dict[str, Any] | None] = {}
    for formset in formsets:
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            existing = form.instance.pk is not None
            if not data or not (existing or form.has_changed()):
                continue
            if data.get("DELETE"):
                if existing:
                    changes[form.instance.channel] = None
                continue
            if existing and not form.has_changed():
                continue
            channel = data["channel"]
            if existing and "channel" in form.changed_data:
                changes[form.initial["channel"]] = None
            names = RULE_FIELDS if not existing or "channel" in form.changed_data else form.changed_data
            changes[channel] = {name: data[name] for name in names if name in RULE_FIELDS}
    return changes


@admin.register(ContactPolicy)
class ContactPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "is_active", "effective_from", "created_by", "created_at")
    list_filter = ("name", "is_active")
    search_fields = ("name",)
    inlines = [ChannelRuleInline]
    fields = ("name", "version", "effective_from", *POLICY_FIELDS, "created_by", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ContactPolicy | None = None) -> tuple[str, ...]:
        always = ("version", "created_by", "created_at")
        return ("name", *always) if obj is not None else always

    def has_delete_permission(self, request: HttpRequest, obj: ContactPolicy | None = None) -> bool:
        return False  # attempts keep the version that allowed them

    def save_model(
        self, request: HttpRequest, obj: ContactPolicy, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            return  # a new version is made in save_related, once the rule forms are known
        latest = ContactPolicy.objects.filter(name=obj.name).order_by("-version").first()
        obj.version = latest.version + 1 if latest else 1
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        audit_record(action="policy.create", obj=obj, actor=request.user, after={"version": obj.version})

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        if not change:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:  # nothing saved through them: the revision copies the rules
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        policy = ContactPolicy.objects.get(pk=form.instance.pk)
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in POLICY_FIELDS}
        rule_changes = _rule_changes(formsets)
        if not changes and not rule_changes and "effective_from" not in form.changed_data:
            return
        if set(changes) == {"is_active"} and not rule_changes and "effective_from" not in form.changed_data:
            ContactPolicy.objects.filter(pk=policy.pk).update(is_active=changes["is_active"])
            policies_changed()
            audit_record(
                action="policy.activate" if changes["is_active"] else "policy.deactivate",
                obj=policy,
                actor=request.user,
                before={"is_active": policy.is_active},
                after={"is_active": changes["is_active"]},
            )
            return
        effective_from = (
            form.cleaned_data["effective_from"] if "effective_from" in form.changed_data else None
        )
        new = policy_revise(
            policy=policy,
            actor=request.user,  # type: ignore[arg-type]
            effective_from=effective_from or timezone.now(),
            changes=changes,
            rule_changes=rule_changes,
            reason=gettext("Changed in the admin"),
        )
        # The admin's log entry and redirect then point at the new version.
        for field in ContactPolicy._meta.concrete_fields:
            setattr(form.instance, field.attname, getattr(new, field.attname))


@admin.register(PolicyAssignment)
class PolicyAssignmentAdmin(admin.ModelAdmin):
    list_display = ("country", "product", "policy_name")
    list_filter = ("country",)

    def save_model(
        self, request: HttpRequest, obj: PolicyAssignment, form: forms.ModelForm, change: bool
    ) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data} if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            action="policy_assignment.change" if change else "policy_assignment.add",
            obj=obj,
            actor=request.user,
            before=before,
            after={"country": obj.country, "product": obj.product, "policy_name": obj.policy_name},
        )


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = (
        "borrower",
        "cease_communication",
        "dispute_hold",
        "no_work_calls",
        "breathing_space_until",
    )
    list_filter = ("cease_communication", "dispute_hold", "no_work_calls")
    search_fields = ("borrower__external_id",)
    raw_id_fields = ("borrower",)
    fields = ("borrower", *PREFERENCE_FIELDS, "updated_by", "updated_at")
    # The disputes' workflow keeps the dispute fields (opened, verified, withdrawn: each audited).
    readonly_fields = ("updated_by", "updated_at", "dispute_hold", "dispute_opened_at", "dispute_hold_accounts")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactPreference]:
        return super().get_queryset(request).select_related("borrower")

    def save_model(
        self, request: HttpRequest, obj: ContactPreference, form: forms.ModelForm, change: bool
    ) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in PREFERENCE_FIELDS}
        saved = preference_update(
            borrower=obj.borrower,
            changes=changes,
            actor=request.user,  # type: ignore[arg-type]
            reason=gettext("Changed in the admin"),
        )
        obj.pk = saved.pk


ChannelRuleInline.verbose_name_plural = _("channel rules (saving makes a new version)")


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
