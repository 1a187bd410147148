"""The call outcome form and the borrower request form of the account screen."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import Phone
from collections_app.forms.widgets import DateInput, TimeInput
from collections_app.models import DispositionCode
from collections_app.services.calls import MAX_NOTES, MAX_TALK_SECONDS
from collections_app.services.contact_requests import GRAVE_REQUESTS, ContactRequest

# The shipped disposition labels (migration 0003), so that they are shown translated; a label an
# administrator adds or changes shows as written.
SHIPPED_LABELS = (
    gettext_noop("No answer"),
    gettext_noop("Busy"),
    gettext_noop("Voicemail (limited-content message)"),
    gettext_noop("Wrong number"),
    gettext_noop("Number not in service"),
    gettext_noop("Third-party contact"),
    gettext_noop("Right-party contact - promise to pay"),
    gettext_noop("Refused to pay"),
    gettext_noop("Dispute"),
    gettext_noop("Hardship / extension request"),
    gettext_noop("Callback requested"),
    gettext_noop("Paid already"),
    gettext_noop("Cease communication request"),
    gettext_noop("Do not call this number"),
    gettext_noop("Deceased"),
    gettext_noop("Bankruptcy"),
    gettext_noop("Represented by an attorney"),
)

_TALK = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)$")


def disposition_label(disposition: DispositionCode | None) -> str:
    return gettext(disposition.label) if disposition is not None else ""


def talk_seconds_parse(text: str) -> int:
    """``95``, ``1:35`` or ``0:01:35`` -> 95. Raises ``ValueError`` for anything else."""
    text = text.strip()
    if not text:
        return 0
    match = _TALK.match(text)
    if match is None:
        raise ValueError(text)
    hours, minutes, seconds = (int(match.group(name) or 0) for name in ("h", "m", "s"))
    if match.group("m") is not None and seconds >= 60:
        raise ValueError(text)
    if match.group("h") is not None and minutes >= 60:
        raise ValueError(text)
    return hours * 3600 + minutes * 60 + seconds


class TalkTimeField(forms.CharField):
    """Talk time as seconds (``95``) or minutes and seconds (``1:35``); cleans to whole seconds."""

    def to_python(self, value: Any) -> int:  # type: ignore[override]
        text = super().to_python(value)
        try:
            seconds = talk_seconds_parse(text or "")
        except ValueError:
            raise forms.ValidationError(
                _("Enter seconds (95) or minutes and seconds (1:35)."), code="invalid"
            ) from None
        if seconds > MAX_TALK_SECONDS:
            raise forms.ValidationError(_("Talk time cannot exceed 6 hours."), code="max_value")
        return seconds

    def validate(self, value: Any) -> None:
        return None  # an empty talk time means 0 seconds

    def run_validators(self, value: Any) -> None:
        return None


class DispositionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DispositionCode) -> str:  # type: ignore[override]
        return disposition_label(obj)


class CallOutcomeForm(forms.Form):
    disposition = DispositionChoiceField(
        queryset=DispositionCode.objects.filter(is_active=True).order_by("position", "code"),
        label=_("Outcome"),
        empty_label=_("Choose how the call ended"),
        error_messages={
            "required": _("Choose how the call ended."),
            "invalid_choice": _("Choose an outcome from the list."),
        },
    )
    right_party_contact = forms.BooleanField(
        label=_("Spoke with the borrower (right-party contact)"), required=False
    )
    conversation = forms.BooleanField(label=_("A conversation about the debt took place"), required=False)
    talk_time = TalkTimeField(
        label=_("Talk time"), required=False, max_length=12, help_text=_("Seconds or m:ss")
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=MAX_NOTES, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I read it back to the borrower and they confirmed it"), required=False
    )

    def clean(self) -> dict[str, Any]:
        """An outcome that stops collection (cease, dispute, do not call) needs a note and the
        agent's confirmation that the borrower asked for it."""
        data = super().clean() or {}
        disposition = data.get("disposition")
        if disposition is not None and stops_collection(disposition):
            if not (data.get("notes") or "").strip():
                self.add_error("notes", _("Say what the borrower asked: this outcome stops collection."))
            if not data.get("confirm"):
                self.add_error("confirm", _("Confirm it with the borrower first: this outcome stops collection."))
        return data

    def dispositions(self) -> list[DispositionCode]:
        """The active codes, for the template's options with their flags as data attributes."""
        codes = list(self.fields["disposition"].queryset)  # type: ignore[attr-defined]
        for code in codes:
            code.label_translated = disposition_label(code)
            code.stops_collection = stops_collection(code)
        return codes


def stops_collection(disposition: DispositionCode) -> bool:
    return disposition.cease or disposition.dispute or disposition.do_not_call


def phone_choices(phones: list[Phone]) -> list[tuple[str, str]]:
    return [("", str(_("Choose the number")))] + [
        (str(phone.pk), f"{phone.number_masked} · {phone.get_type_display()}") for phone in phones
    ]


class ContactRequestForm(forms.Form):
    """What the borrower asked. Nothing is chosen beforehand; cease, dispute and do not call need a
    note and the agent's confirmation."""

    kind = forms.ChoiceField(
        label=_("The borrower asked"),
        choices=[("", _("Choose what the borrower asked"))] + list(ContactRequest.choices),
        error_messages={"required": _("Choose what the borrower asked.")},
    )
    phone = forms.ChoiceField(label=_("Number"), required=False)
    only_after = forms.TimeField(
        label=_("Only after"), required=False, widget=TimeInput()
    )
    only_before = forms.TimeField(
        label=_("Only before"), required=False, widget=TimeInput()
    )
    breathing_space_until = forms.DateField(
        label=_("Breathing space until"), required=False, widget=DateInput()
    )
    note = forms.CharField(
        label=_("How and when the borrower asked"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. on this call; letter of 3 April")}),
    )
    confirm = forms.BooleanField(
        label=_("I read it back to the borrower and they confirmed it"), required=False
    )

    def __init__(self, *args: Any, phones: list[Phone] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phones = {str(phone.pk): phone for phone in phones or []}
        self.fields["phone"].choices = phone_choices(list(self.phones.values()))  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in GRAVE_REQUESTS:
            if not (data.get("note") or "").strip():
                self.add_error("note", _("Say how and when the borrower asked: this stops collection."))
            if not data.get("confirm"):
                self.add_error("confirm", _("Confirm it with the borrower first: this stops collection."))
        if kind == ContactRequest.DO_NOT_CALL and not data.get("phone"):
            self.add_error("phone", _("Choose one of the borrower's numbers."))
        return data

    def chosen_phone(self) -> Phone | None:
        return self.phones.get(self.cleaned_data.get("phone") or "")


class ReverseBlockForm(forms.Form):
    """A team lead's or supervisor's undo of a cease, dispute or do-not-call entered by mistake."""

    target = forms.ChoiceField(label=_("Entered by mistake"))
    reason = forms.CharField(
        label=_("Why it was a mistake"), max_length=255,
        error_messages={"required": _("Say why the entry was a mistake.")},
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
