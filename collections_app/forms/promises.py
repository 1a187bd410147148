"""The promise form (one date and amount, or a plan of dated amounts) and the callback form.

Times are typed on the borrower's wall clock: the views validate these forms with the borrower's
zone active, so a naive "2026-03-03 18:00" becomes 18:00 there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Phone
from collections_app.forms.widgets import DateInput
from config.instants import instant_validate

MAX_ROWS = 6
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_INPUT)


class PromiseForm(forms.Form):
    """Rows ``date_i`` / ``amount_i`` (the first is the promise; more make a plan)."""

    follow_up_at = forms.DateTimeField(
        label=_("Follow-up call agreed for (borrower's time)"),
        required=False,
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=LocalDateTimeInput(),
        validators=[instant_validate],
    )
    attempt = forms.IntegerField(required=False, widget=forms.HiddenInput())
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, rows: int = MAX_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for index in range(rows):
            first = index == 0
            self.fields[f"date_{index}"] = forms.DateField(
                label=gettext("Date") if first else gettext("Date %(n)s") % {"n": index + 1},
                required=False,
                widget=DateInput(),
            )
            self.fields[f"amount_{index}"] = forms.DecimalField(
                label=gettext("Amount") if first else gettext("Amount %(n)s") % {"n": index + 1},
                required=False,
                max_digits=14,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
            )
        self.row_fields: list[int] = []  # the form row of each part given, in order

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.row_fields = []
        for index in range(self.rows):
            date, amount = data.get(f"date_{index}"), data.get(f"amount_{index}")
            if date is None and amount is None:
                continue
            if date is None and f"date_{index}" not in self.errors:
                self.add_error(f"date_{index}", _("Give the date of this amount."))
            elif amount is None and f"amount_{index}" not in self.errors:
                self.add_error(f"amount_{index}", _("Give the amount due on this date."))
            else:
                self.row_fields.append(index)
        if not self.row_fields and not self.errors:
            self.add_error("date_0", _("Give a date and an amount."))
        return data

    def parts(self) -> list[tuple[dt.date, Decimal]]:
        return [(self.cleaned_data[f"date_{i}"], self.cleaned_data[f"amount_{i}"]) for i in self.row_fields]

    def rows_bound(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"date_{i}"], self[f"amount_{i}"]) for i in range(self.rows)]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show a ``DomainError``'s errors on the fields they name (``parts[i].date`` -> the row's date)."""
        for key, messages in errors.items():
            field: str | None = None
            if key.startswith("parts[") and "]." in key:
                position, _sep, name = key[len("parts[") :].partition("].")
                if position.isdigit() and int(position) < len(self.row_fields):
                    field = f"{name}_{self.row_fields[int(position)]}"
            elif key == "follow_up_at":
                field = "follow_up_at"
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class CallbackForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Call back at (borrower's time)"),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=LocalDateTimeInput(),
        validators=[instant_validate],
    )
    phone = forms.TypedChoiceField(label=_("Number"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, phones: list[Phone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phones = {phone.pk: phone for phone in phones}
        self.fields["phone"].choices = [  # type: ignore[attr-defined]
            ("", _("Any of the borrower's numbers")),
            *((phone.pk, f"{phone.number_masked} · {phone.get_type_display()}") for phone in phones),
        ]

    def chosen_phone(self) -> Phone | None:
        pk = self.cleaned_data.get("phone")
        return self.phones.get(pk) if pk is not None else None
