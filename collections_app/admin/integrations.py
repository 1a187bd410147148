"""Django admin for integrations: create one (its token is shown once), edit scopes and limits, revoke;
map the dialer's disposition codes; read dial authorizations and the do-not-call register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdmin, ReadOnlyAdminMixin
from collections_app.models import DialAuthorization, DispositionMapping, DncEntry, Integration
from collections_app.models.integrations import SCOPES
from collections_app.services.integrations import integration_create, integration_revoke
from config.errors import DomainError

SCOPE_CHOICES = [(scope, scope) for scope in SCOPES]


class IntegrationAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the kind's defaults."),
    )

    class Meta:
        model = Integration
        fields = ("name", "kind", "rate_limit_per_minute")


class IntegrationChangeForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=SCOPE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Integration
        fields = ("scopes", "rate_limit_per_minute", "authorization_ttl_seconds", "expires_at", "notes")


class MappingInline(admin.TabularInline):
    model = DispositionMapping
    extra = 1
    fields = ("external_code", "disposition")


@admin.register(Integration)
class IntegrationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "token_prefix", "is_active", "revoked_at", "last_used_at", "rate_limit_per_minute")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "token_prefix")
    actions = ["revoke"]
    inlines = [MappingInline]
    readonly_fields = (
        "name", "kind", "user", "token_prefix", "is_active", "revoked_at", "created_at", "created_by", "last_used_at",
    )  # fmt: skip

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = IntegrationChangeForm if obj is not None else IntegrationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("name", "kind", "scopes", "rate_limit_per_minute")
        return (*self.readonly_fields, "scopes", "rate_limit_per_minute", "authorization_ttl_seconds", "expires_at", "notes")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            integration, token = integration_create(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                scopes=form.cleaned_data["scopes"] or None,
                actor=request.user,  # type: ignore[arg-type]
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
            )
        except DomainError as exc:  # the form checked the name; a race is all that is left
            raise forms.ValidationError(exc.message) from exc
        obj.__dict__.update({k: v for k, v in integration.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        messages.warning(
            request,
            gettext("The token of %(name)s, shown this once (store it in the dialer now): %(token)s")
            % {"name": integration.name, "token": token},
        )

    @admin.action(description=_("Revoke the selected integrations' tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            integration_revoke(integration=integration, actor=request.user, reason=gettext("Revoked in the admin"))  # type: ignore[arg-type]
        self.message_user(request, gettext("%(count)s revoked.") % {"count": queryset.count()})


@admin.register(DialAuthorization)
class DialAuthorizationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "integration", "attempt", "created_at", "expires_at", "external_call_id", "result_at")
    list_filter = ("integration", "before_dial")
    list_select_related = ("integration", "attempt")
    search_fields = ("=external_call_id", "=id")
    show_full_result_count = False


@admin.register(DncEntry)
class DncEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "type", "borrower", "active", "source", "integration", "requested_at", "updated_at")
    list_filter = ("type", "active", "source")
    list_select_related = ("borrower", "integration")
    search_fields = ("=borrower__external_id",)
    exclude = ("number",)  # personal data: not shown in the admin
    show_full_result_count = False
