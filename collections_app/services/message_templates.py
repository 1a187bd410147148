"""Message templates as versioned data: every change is a new version, checked and audited; previews."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.services.audit import audit_record
from collections_app.models import MessageTemplate
from collections_app.models.message_text import opt_out_text, render, sms_segments
from config.errors import DomainError

CONTENT_FIELDS = ("channel", "purpose", "bucket", "policy_name", "subject", "body")

# What a preview fills the placeholders with, per language.
SAMPLE_VALUES = {
    "en": {"first_name": "Ann", "amount_due": "USD 120.00", "due_date": "2026-12-15",
           "payment_reference": "L1001-03", "agent_first_name": "Sam"},
    "zh-hans": {"first_name": "李娜", "amount_due": "CNY 1,200.00", "due_date": "2026-12-15",
                "payment_reference": "L1001-03", "agent_first_name": "王"},
}  # fmt: skip


@dataclass(frozen=True)
class Preview:
    template: MessageTemplate
    subject: str
    body: str
    segments: int | None
    encoding: str | None


def template_values(template: MessageTemplate, values: dict[str, str]) -> dict[str, str]:
    """The placeholders' values for ``template``: the caller's, plus the opt-out text and the signature."""
    return {
        **values,
        "opt_out_text": opt_out_text(template.channel, template.language),
        "signature": getattr(settings, "MESSAGING_SIGNATURE", ""),
    }


def template_render(template: MessageTemplate, values: dict[str, str]) -> Preview:
    """The text of a message from ``template`` with the values given (escaped)."""
    filled = template_values(template, values)
    body = render(template.body, filled)
    segments = sms_segments(body) if template.channel == MessageTemplate.Channel.SMS else None
    return Preview(
        template=template,
        subject=render(template.subject, filled),
        body=body,
        segments=segments.count if segments else None,
        encoding=segments.encoding if segments else None,
    )


def template_previews(template: MessageTemplate) -> list[Preview]:
    """The current version of ``template``'s code in each language, filled with sample values."""
    previews = []
    for language, _label in MessageTemplate.Language.choices:
        current = templates_current().filter(code=template.code, language=language).first()
        if current is not None:
            previews.append(template_render(current, SAMPLE_VALUES.get(language, SAMPLE_VALUES["en"])))
    return previews


def templates_current() -> QuerySet[MessageTemplate]:
    """The newest active version of every code and language."""
    newest = (
        MessageTemplate.objects.filter(code=OuterRef("code"), language=OuterRef("language"), is_active=True)
        .order_by("-version")
        .values("pk")[:1]
    )
    return MessageTemplate.objects.filter(is_active=True, pk=Subquery(newest)).order_by("code", "language")


@transaction.atomic
def message_template_save(
    *,
    code: str,
    language: str,
    channel: str,
    purpose: str,
    body: str,
    subject: str = "",
    bucket: str = "",
    policy_name: str = "",
    actor: User | None = None,
) -> MessageTemplate:
    """Save a new version of the template ``code`` in ``language`` (version 1 when new), audited.

    Refuses (``DomainError`` with the field errors, nothing written) a text that fails the checks
    of DESIGN.md 15: opt-out instruction, the policy's signature and banned words, known placeholders.
    Locks the code's existing versions so two editors get two versions, not one number twice.
    """
    previous = list(
        MessageTemplate.objects.select_for_update().filter(code=code, language=language).order_by("-version")
    )
    template = MessageTemplate(
        code=code,
        language=language,
        channel=channel,
        purpose=purpose,
        body=body,
        subject=subject,
        bucket=bucket,
        policy_name=policy_name,
        version=(previous[0].version + 1) if previous else 1,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        template.full_clean()
    except ValidationError as exc:
        raise DomainError(
            _("The template cannot be saved."),
            errors={field: [str(m) for m in messages] for field, messages in exc.message_dict.items()},
        ) from exc
    template.save()
    audit_record(
        action="message_template.version",
        obj=template,
        actor=actor,
        before={name: str(getattr(previous[0], name)) for name in CONTENT_FIELDS} if previous else None,
        after={name: str(getattr(template, name)) for name in CONTENT_FIELDS},
    )
    return template
