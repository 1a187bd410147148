"""The supervisor's strategy screens: a challenger at a share of a segment."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class ChallengerForm(forms.Form):
    name = forms.CharField(label=_("Challenger's name"), max_length=120)
    share = forms.DecimalField(
        label=_("Share of the segment (%)"), min_value=Decimal("0.01"), max_value=Decimal("99.99"), decimal_places=2,
        initial=Decimal("20"),
    )  # fmt: skip
