"""Admin for message templates (every save is a new version, checked; a preview in each language) and
a read-only view of messages and replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from collections_app.models import InboundMessage, Message, MessageTemplate
from collections_app.services.message_templates import message_template_save, template_previews
from config.errors import DomainError


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "language", "version", "channel", "purpose", "is_active", "created_at")
    list_filter = ("channel", "language", "purpose", "is_active")
    search_fields = ("code",)
    fields = (
        "code", "language", "channel", "purpose", "bucket", "policy_name", "subject", "body", "is_active",
        "version", "segments_shown", "preview",
    )  # fmt: skip
    readonly_fields = ("version", "segments_shown", "preview")

    @admin.display(description=_("SMS segments"))
    def segments_shown(self, obj: MessageTemplate) -> str:
        return "" if obj.pk is None or obj.segments is None else str(obj.segments)

    @admin.display(description=_("Preview in each language"))
    def preview(self, obj: MessageTemplate) -> str:
        if obj.pk is None:
            return ""
        rows = [
            (p.template.get_language_display(), p.template.version, p.subject, p.body, p.segments or "")
            for p in template_previews(obj)
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                "<tr><th>{} v{}</th><td><strong>{}</strong><pre style='white-space:pre-wrap'>{}</pre>{}</td></tr>",
                rows,
            ),
        )

    def save_model(self, request: HttpRequest, obj: MessageTemplate, form: forms.ModelForm, change: bool) -> None:
        """A change of the text is a new version (the old one stays, messages keep theirs)."""
        content_changed = not change or bool(set(form.changed_data) - {"is_active"})
        if not content_changed:
            super().save_model(request, obj, form, change)
            return
        try:
            saved = message_template_save(
                code=obj.code, language=obj.language, channel=obj.channel, purpose=obj.purpose,
                body=obj.body, subject=obj.subject, bucket=obj.bucket, policy_name=obj.policy_name,
                actor=request.user if isinstance(request.user, User) else None,
            )  # fmt: skip
        except DomainError as exc:
            self.message_user(request, f"{exc.message} {exc.errors}", level=messages.ERROR)
            return
        obj.pk, obj.version = saved.pk, saved.version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # messages keep the version they were written from


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "status", "template", "case", "created_at", "sent_at", "delivered_at")
    list_filter = ("channel", "status", "provider")
    exclude = ("phone", "email")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "integration", "opt_out", "received_at")
    exclude = ("from_number", "phone", "body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a borrower's reply (a STOP) is evidence: kept as received
