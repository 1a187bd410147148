"""The account screen's message form (channel, template, address) and the message log's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import EmailAddress, Phone
from collections_app.models import Message, MessageTemplate, Team
from collections_app.selectors.messages import MessageLogFilter
from collections_app.services.message_templates import templates_current

SENDABLE = [
    (MessageTemplate.Channel.SMS.value, _("Text (SMS)")),
    (MessageTemplate.Channel.EMAIL.value, _("E-mail")),
]


def template_choices(channel: str) -> list[tuple[str, str]]:
    """One choice per template code of ``channel`` in use (the borrower's language is chosen at sending)."""
    purposes = dict(MessageTemplate.Purpose.choices)
    seen: dict[str, str] = {}
    for code, purpose, bucket in templates_current().filter(channel=channel).values_list("code", "purpose", "bucket"):
        if code not in seen:
            label = str(purposes.get(purpose, purpose))
            seen[code] = f"{label} {bucket} · {code}" if bucket else f"{label} · {code}"
    return sorted(seen.items(), key=lambda item: item[1])


class MessageForm(forms.Form):
    """What the agent picks: the channel, a template of it and one of the borrower's addresses for it."""

    channel = forms.ChoiceField(label=_("Channel"), choices=SENDABLE)
    template = forms.ChoiceField(label=_("Template"))
    to = forms.ChoiceField(label=_("To"))

    def __init__(self, *args: Any, phones: list[Phone], emails: list[EmailAddress], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered: dict[str, list[str]] = {}
        raw = self.data.get("channel") if self.is_bound else self.initial.get("channel")
        channel = raw if raw in dict(SENDABLE) else MessageTemplate.Channel.SMS.value
        self.channel_value = channel
        self.fields["channel"].initial = channel
        self._choose("template", template_choices(channel))
        if channel == MessageTemplate.Channel.SMS:
            self._choose("to", [(str(p.pk), f"{p.number_masked} · {p.get_type_display()}") for p in phones])
        else:
            self._choose("to", [(str(email.pk), email.address_masked) for email in emails])
        self.phones = {str(phone.pk): phone for phone in phones}
        self.emails = {str(email.pk): email for email in emails}

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices
        self.offered[name] = [value for value, _label in choices]

    def choices_of(self, name: str) -> list[str]:
        # Only the channel falls back to every sendable channel: a template or an address offered
        # none is none (with no template in use, "sms" was taken for a template's code).
        if name in self.offered:
            return self.offered[name]
        return [str(value) for value, _label in SENDABLE]

    @property
    def rows(self) -> list[tuple[forms.BoundField, str]]:
        """Each field with the value it shows chosen."""
        return [(self[name], self.current(name)) for name in self.fields]

    def current(self, name: str) -> str:
        """The value chosen for ``name`` (bound or not), else the first choice."""
        choices = self.choices_of(name)
        value = str(self.data.get(name, "")) if self.is_bound else str(self.initial.get(name, ""))
        return value if value in choices else (choices[0] if choices else "")

    def phone(self) -> Phone | None:
        return self.phones.get(self.current("to")) if self.channel_value == MessageTemplate.Channel.SMS else None

    def email(self) -> EmailAddress | None:
        return self.emails.get(self.current("to")) if self.channel_value == MessageTemplate.Channel.EMAIL else None


class MessageLogForm(forms.Form):
    """The message log's filters; every one optional."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Message.Status.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any channel")), *SENDABLE])
    day_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    day_to = forms.DateField(label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Any team"))

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("day_from")
        end: dt.date | None = data.get("day_to")
        if start and end and end < start:
            self.add_error("day_to", _("The end comes before the start."))
        return data

    def wanted(self) -> MessageLogFilter:
        """The filter the valid fields ask for (the invalid ones are left out)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        team = data.get("team")
        return MessageLogFilter(
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            day_from=data.get("day_from") if "day_to" not in self.errors else None,
            day_to=data.get("day_to") if "day_to" not in self.errors else None,
            team_id=team.pk if team is not None else None,
        )
