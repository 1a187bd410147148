"""Widgets of the browser's own date and time pickers.

``<input type="date">`` and ``type="time"`` take their value in one wire format whatever the page's
language (``2026-07-01``, ``18:30``); a value in another form is dropped and the field shows empty.
Django's own widgets format initial values by the active language (``2026/07/01`` in Chinese), so
every date or time field of the project uses these.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_TIME)
