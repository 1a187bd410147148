"""The account screen's "Open a dispute" form and the dispute page's verification form.

They check shape only; ``services.disputes`` checks the rules (and says why in the same fields).
A correction is one row: an installment of the loan, a component and the amount taken off it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.models import Dispute
from collections_app.services.disputes import MAX_TEXT, Correction

CORRECTION_ROWS = 3
COMPONENT_CHOICES = (("principal", _("Principal")), ("interest", _("Interest")), ("fee", _("Fee")),
                     ("penalty", _("Penalty")))  # fmt: skip


class DisputeOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("What the borrower disputes"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what the borrower disputes.")},
    )


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=((Dispute.Status.UPHELD, _("Upheld: correct the debt")), (Dispute.Status.REJECTED, _("Rejected: the debt is verified"))),
    )  # fmt: skip
    verification = forms.CharField(
        label=_("Verification: what was checked and sent to the borrower"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Record the verification: what was checked and sent to the borrower.")},
    )

    def __init__(self, *args: Any, installments: list[int] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        seqs = [("", "—"), *((str(seq), str(seq)) for seq in installments)]
        for row in range(CORRECTION_ROWS):
            self.fields[f"seq_{row}"] = forms.TypedChoiceField(
                label=_("Installment"), choices=seqs, coerce=int, required=False, empty_value=None
            )
            self.fields[f"component_{row}"] = forms.ChoiceField(label=_("Component"), choices=COMPONENT_CHOICES, required=False)
            self.fields[f"amount_{row}"] = forms.DecimalField(
                label=_("Amount taken off"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False
            )

    def correction_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"seq_{row}"], self[f"component_{row}"], self[f"amount_{row}"]) for row in range(CORRECTION_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(CORRECTION_ROWS):
            seq, amount = data.get(f"seq_{row}"), data.get(f"amount_{row}")
            if (seq is None) != (amount is None):
                self.add_error(f"amount_{row}" if seq is not None else f"seq_{row}",
                               _("A correction names its installment and its amount."))  # fmt: skip
        return data

    def corrections(self) -> list[Correction]:
        data = self.cleaned_data
        return [
            Correction(seq=data[f"seq_{row}"], component=data[f"component_{row}"], amount=data[f"amount_{row}"])
            for row in range(CORRECTION_ROWS)
            if data.get(f"seq_{row}") is not None and data.get(f"amount_{row}") is not None
        ]
