"""The account screen's "Log a complaint" form and the complaints queue's resolve and reassign forms.

They check shape only; ``services.complaints`` checks the rules (and says why in the same fields).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collections_app.models import Complaint, ComplaintCategory
from collections_app.services.complaints import MAX_TEXT


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        category: ComplaintCategory = obj
        label = gettext(category.label)
        return gettext("%(label)s (holds collection)") % {"label": label} if category.holding else label


class ComplaintForm(forms.Form):
    category = CategoryChoice(
        label=_("What about"), queryset=ComplaintCategory.objects.filter(is_active=True), empty_label=None,
        to_field_name="code",
    )
    channel = forms.ChoiceField(label=_("Received through"), choices=Complaint.Channel.choices)
    description = forms.CharField(
        label=_("What the borrower says"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the borrower complains about.")},
    )
    link_last_call = forms.BooleanField(label=_("About the last call"), required=False)
    link_last_message = forms.BooleanField(label=_("About the last message"), required=False)

    def __init__(self, *args: Any, last_call_label: str = "", last_message_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if last_call_label:
            self.fields["link_last_call"].label = gettext("About the last call (%(call)s)") % {"call": last_call_label}
        else:
            del self.fields["link_last_call"]
        if last_message_label:
            self.fields["link_last_message"].label = gettext("About the last message (%(message)s)") % {
                "message": last_message_label
            }
        else:
            del self.fields["link_last_message"]


class ComplaintResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Outcome"), choices=Complaint.Resolution.choices)
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=Complaint.RootCause.choices)
    note = forms.CharField(
        label=_("What the borrower was answered"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        error_messages={"required": _("Say what the borrower was answered.")},
    )


class ComplaintAssignForm(forms.Form):
    """Give a complaint to another owner: a team lead or a supervisor (empty: nobody yet)."""

    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody yet"),
        to_field_name="username",
    )  # fmt: skip

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = owners if owners is not None else User.objects.none()
