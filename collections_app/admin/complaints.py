"""Admin for complaints: categories and deadline policies are data (audited); a complaint is registered here
through the service (deadlines, the hold and the audit entry as from the screen or the API) and is
otherwise read-only: acknowledging and resolving it happen in the owner's queue and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.services.audit import audit_record
from collections_app.models import Complaint, ComplaintCategory, ComplaintPolicy
from collections_app.selectors.complaints import complaints_visible_to
from collections_app.services.complaints import complaint_register
from config.errors import DomainError

CATEGORY_FIELDS = ("code", "label", "holding", "is_active", "position")
POLICY_FIELDS = ("country", "acknowledge_business_days", "resolve_days", "resolve_in_business_days")


class _AuditedAdmin(admin.ModelAdmin):
    audited: tuple[str, ...] = ()
    action_name = ""

    def _state(self, obj: Any) -> dict[str, str]:
        return {name: str(getattr(obj, name)) for name in self.audited}

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        before = self._state(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            action=f"{self.action_name}.{'change' if change else 'create'}",
            obj=obj,
            actor=request.user,
            before=before,
            after=self._state(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(action=f"{self.action_name}.delete", obj=obj, actor=request.user, before=self._state(obj))
        super().delete_model(request, obj)


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(_AuditedAdmin):
    list_display = CATEGORY_FIELDS
    fields = CATEGORY_FIELDS
    audited = CATEGORY_FIELDS
    action_name = "complaint_category"


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(_AuditedAdmin):
    list_display = POLICY_FIELDS
    fields = POLICY_FIELDS
    audited = POLICY_FIELDS
    action_name = "complaint_policy"


class ComplaintAddForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ("case", "category", "channel", "description", "received_at", "agent", "owner")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.instance = complaint_register(
                case=data["case"],
                category=data["category"],
                channel=data["channel"],
                description=data["description"],
                received_at=data.get("received_at"),
                agent=data.get("agent"),
                owner=data.get("owner"),
                actor=self.actor,  # type: ignore[attr-defined]
            )
        except DomainError as exc:
            for field, messages in exc.errors.items():
                self.add_error(field if field in self.fields else None, messages)
            if not exc.errors:
                self.add_error(None, exc.message)
        return data


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("id", "case", "category", "holds_collection", "status", "owner", "agent", "received_at", "resolve_by")
    list_filter = ("status", "holds_collection", "category", "channel")
    date_hierarchy = "received_at"
    list_select_related = ("case", "category", "owner", "agent")
    raw_id_fields = ("case", "agent", "owner")
    readonly_fields = (
        "case", "account", "category", "holds_collection", "channel", "description", "agent", "attempts", "message_id",
        "received_at", "registered_by", "owner", "status", "policy", "acknowledge_by", "resolve_by", "acknowledged_at",
        "resolved_at", "resolution", "resolution_note", "root_cause", "external_id", "created_at", "updated_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        """The complaints on the cases the user sees (a team lead: the team's)."""
        return super().get_queryset(request).filter(pk__in=complaints_visible_to(request.user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ComplaintAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ComplaintAddForm.Meta.fields if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Complaint, form: forms.ModelForm, change: bool) -> None:
        """Registered by the form's ``clean`` through the service; nothing else is saved here."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """The service set the links."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
